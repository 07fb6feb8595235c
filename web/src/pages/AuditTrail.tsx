import { Anchor, Badge, Button, Card, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { get, seg } from '../api.ts';
import { formatDate } from '../format.ts';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';

/** audit/AuditAction: what an entry can record. */
const ACTIONS = ['read', 'search', 'write', 'import', 'export', 'login', 'logout', 'setting', 'delete', 'sync', 'share', 'backup'];
const PAGE = 25;

interface Entry {
  seq: number;
  recordedAt: string;
  actor: { id: string; username: string | null; kind: 'account' | 'cli' | 'app' };
  action: string;
  what: { type?: string; ids?: string[]; query?: string } | null;
  outcome: 'success' | 'failure' | 'denied';
  sourceAddress: string | null;
}
interface AuditPage {
  entries: Entry[];
  total: number;
  verification: { ok: boolean; entries: number; problems: { seq: number; kind: string; message: string }[] };
}

const who = (actor: Entry['actor']) =>
  actor.kind === 'cli' ? `command line (${actor.id.slice(4)})` : actor.username ?? (actor.kind === 'account' ? 'a deleted account' : `app ${actor.id}`);
const whatText = (what: Entry['what']) => (what ? [what.type, what.ids?.join(', '), what.query].filter(Boolean).join(' · ') : '');
/** A date input (local day) as the instant it starts; `to` is exclusive on the server, so the day after. */
const dayStart = (day: string, plusDays = 0) => {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + plusDays);
  return date.toISOString();
};

/** Who touched this person's records and what happened, with the hash chain's verdict (issue 6 §3). */
export function AuditTrail({ pid }: { pid: string }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [action, setAction] = useState('');
  const [offset, setOffset] = useState(0);
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (from) query.set('from', dayStart(from));
  if (to) query.set('to', dayStart(to, 1));
  if (action) query.set('action', action);
  const path = `/api/people/${seg(pid)}/audit?${query.toString()}`;
  const page = useLoad(path, () => get<AuditPage>(path));
  const data = page.data;
  const filter = (set: (value: string) => void) => (value: string) => {
    set(value);
    setOffset(0);
  };

  return (
    <Card withBorder component="section" aria-labelledby="audit-title">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4" id="audit-title">
            Activity
          </Title>
          {data &&
            (data.verification.ok ? (
              <Badge color="teal" data-testid="audit-verification">
                Verified: {data.verification.entries} entries, none changed
              </Badge>
            ) : (
              <Badge color="red" data-testid="audit-verification">
                Tampering found
              </Badge>
            ))}
        </Group>
        {data && !data.verification.ok && (
          <Text size="sm" c="red.8" role="alert">
            {data.verification.problems.map((problem) => problem.message).join('; ')}
          </Text>
        )}
        <Group align="end">
          <TextInput type="date" label="From" value={from} onChange={(e) => filter(setFrom)(e.currentTarget.value)} />
          <TextInput type="date" label="To" value={to} onChange={(e) => filter(setTo)(e.currentTarget.value)} />
          <NativeSelect label="Action" value={action} data={[{ value: '', label: 'All' }, ...ACTIONS]} onChange={(e) => filter(setAction)(e.currentTarget.value)} />
          <Anchor href={`/api/people/${seg(pid)}/audit.ndjson`} download="audit-trail.ndjson" size="sm">
            Export (FHIR AuditEvent)
          </Anchor>
        </Group>
        {page.loading && !data && <Loading />}
        <ErrorNote error={page.error} />
        {data && data.entries.length === 0 && <Empty>No activity matches.</Empty>}
        {data && data.entries.length > 0 && (
          <div style={{ overflowX: 'auto' }}>
            <Table aria-label="Activity" striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.entries.map((entry) => (
                  <Table.Tr key={entry.seq}>
                    <Table.Td>{formatDate(entry.recordedAt)}</Table.Td>
                    <Table.Td>{who(entry.actor)}</Table.Td>
                    <Table.Td>{entry.action}</Table.Td>
                    <Table.Td style={{ wordBreak: 'break-all' }}>{whatText(entry.what)}</Table.Td>
                    <Table.Td>{entry.outcome}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
        {data && data.total > 0 && (
          <Group justify="space-between">
            <Text size="sm" c="dimmed" aria-live="polite">
              {offset + 1}–{Math.min(offset + PAGE, data.total)} of {data.total}
            </Text>
            <Group gap="xs">
              <Button size="compact-sm" variant="default" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                Previous
              </Button>
              <Button size="compact-sm" variant="default" disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>
                Next
              </Button>
            </Group>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
