import { Stack, Title } from '@mantine/core';
import { usePerson } from '../session.tsx';
import { AuditTrail } from './AuditTrail.tsx';
import { DeletionSection } from './DeletionSection.tsx';

/** A person's privacy centre: who touched their records, and deleting them. Shown to those who may manage the person. */
export function PrivacyPage({ pid }: { pid: string }) {
  const person = usePerson(pid);
  return (
    <Stack maw={1000}>
      <Title order={1} size="h2">
        Privacy: {person?.name}
      </Title>
      <AuditTrail pid={pid} />
      {person?.actions.includes('delete') && <DeletionSection pid={pid} />}
    </Stack>
  );
}
