// Small pieces shared by the health pages: flag badges, cards, dates without times.
import { Badge, Paper, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Flag } from './types.ts';

const FLAG_TEXT: Record<Flag, string> = { high: 'High', low: 'Low', abnormal: 'Abnormal', critical: 'Critical' };

/** An out-of-range flag: words, not only colour (WCAG 1.4.1). */
export function FlagBadge({ flag }: { flag: Flag | undefined }) {
  if (!flag) return null;
  return (
    <Badge color={flag === 'critical' ? 'dark.7' : 'red.9'} variant="filled" size="sm" data-flag={flag}>
      {FLAG_TEXT[flag]}
    </Badge>
  );
}

export function Card({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const headingId = `${id ?? title.replace(/\W+/g, '-').toLowerCase()}-heading`;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={headingId}>
      <Stack gap="xs">
        <Title order={2} size="h4" id={headingId}>
          {title}
        </Title>
        {children}
      </Stack>
    </Paper>
  );
}

/** A record's date as a day (the time of a lab draw or visit adds nothing on these pages). */
export function day(value: string | undefined): string {
  if (!value) return '';
  if (/^\d{4}(-\d{2})?$/.test(value)) return value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleDateString();
}
