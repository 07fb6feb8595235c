import { Alert, Badge, Button, Card, Group, PasswordInput, Stack, Table, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { get, post } from '../api.ts';
import { whenReauthRequired } from '../reauth.tsx';
import { useHearth } from '../session.tsx';
import { Empty, ErrorNote, Loading, useAction, useLoad } from '../ui.tsx';

type Warning = 'not-configured' | 'backup-failed' | 'verification-failed' | 'copy-problem' | 'overdue' | 'escrow-pending';

interface BackupStatus {
  configured: boolean;
  intervalHours: number;
  targets: string[];
  nextRunAt: string | null;
  running: boolean;
  lastVerification: { backupId: string; at: string; ok: boolean; problems: string[] } | null;
  warnings: Warning[];
  history: { id: string; status: string; startedAt: string; system: string | null; people: number; size: number | null; sha256: string | null; error: string | null; copies: { target: string; ok: boolean; problem?: string }[] }[];
}

/** What each warning means, in words for the banner (GET /api/backups, backup-scheduler.ts). */
const WARNING_TEXT: Record<Warning, string> = {
  'not-configured': 'Backups are not set up: no backup locations are configured (backup.targets).',
  'backup-failed': 'The last backup FAILED.',
  'verification-failed': 'The last backup verification FAILED (details below).',
  'copy-problem': 'A copy of the newest backup is missing or damaged.',
  overdue: 'Backups are OVERDUE: no good backup within the schedule.',
  'escrow-pending': 'A backup location could not be updated after a person was deleted: older backups there may still open their records until the next backup succeeds.',
};

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
const size = (bytes: number | null) => (bytes === null ? '—' : bytes < 1_048_576 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1_048_576).toFixed(1)} MiB`);

/** The owner's backups page: a loud banner on any problem, the history, and "back up now". */
export function BackupsPage() {
  const { session } = useHearth();
  const loaded = useLoad<BackupStatus>(session.account.isOwner ? '/api/backups' : null, () => get('/api/backups'));
  const { error, busy, run } = useAction();
  const [needPassword, setNeedPassword] = useState(false);
  const [password, setPassword] = useState('');

  if (!session.account.isOwner) return <Empty>Only the owner of this Hearth sees its backups.</Empty>;
  if (loaded.loading && !loaded.data) return <Loading label="Loading backups…" />;
  if (!loaded.data) return <ErrorNote error={loaded.error} />;
  const status = loaded.data;

  // A backup needs the password proved within five minutes (SECURITY.md): ask for it, then go on.
  const askPassword = whenReauthRequired(() => setNeedPassword(true));
  const runNow = async () => {
    await run(async () => {
      await post('/api/backups');
      setNeedPassword(false);
    }, askPassword);
    loaded.reload();
  };
  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    const proved = await run(async () => {
      await post('/api/reauth', { password });
      setPassword('');
    });
    if (proved) await runNow();
  };

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        Backups
      </Title>
      {status.warnings.length > 0 && (
        <Alert color="red" variant="filled" title="Backups need attention" role="alert" data-testid="backup-warning">
          <Stack gap={4}>
            {status.warnings.map((warning) => (
              <Text key={warning} size="sm">
                {WARNING_TEXT[warning]}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      <Card withBorder>
        <Stack gap={4}>
          <Text size="sm">Locations: {status.targets.length > 0 ? status.targets.join(', ') : 'none'}</Text>
          <Text size="sm">Next backup: {status.nextRunAt ? when(status.nextRunAt) : 'not scheduled'}</Text>
          <Text size="sm">
            Last verification:{' '}
            {status.lastVerification ? `${when(status.lastVerification.at)} — ${status.lastVerification.ok ? 'ok' : `FAILED (${status.lastVerification.problems.join('; ')})`}` : 'never'}
          </Text>
          <Text size="xs" c="dimmed">
            Backups are encrypted (age) and never contain the master key: keep the master key and the backup identity file safe, away from this machine.
          </Text>
        </Stack>
      </Card>
      <ErrorNote error={error} />
      {needPassword ? (
        <form onSubmit={(event) => void confirm(event)}>
          <Stack gap="sm" maw={360}>
            <Text size="sm">Confirm your password to start a backup.</Text>
            <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            <Group>
              <Button type="submit" loading={busy}>
                Confirm and back up
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Group>
          <Button onClick={() => void runNow()} loading={busy || status.running} disabled={!status.configured}>
            Back up now
          </Button>
        </Group>
      )}
      <Title order={2} size="h4">
        History
      </Title>
      {status.history.length === 0 ? (
        <Empty>No backups yet.</Empty>
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Started</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>System</Table.Th>
                <Table.Th>People</Table.Th>
                <Table.Th>Size</Table.Th>
                <Table.Th>Copies</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {status.history.map((row) => (
                <Table.Tr key={row.id}>
                  <Table.Td>{when(row.startedAt)}</Table.Td>
                  <Table.Td>
                    <Badge color={row.status === 'ok' ? 'teal.9' : row.status === 'failed' ? 'red.9' : 'gray.8'}>{row.status}</Badge>
                    {row.error && (
                      <Text size="xs" c="red.9">
                        {row.error}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{row.system ?? '—'}</Table.Td>
                  <Table.Td>{row.people}</Table.Td>
                  <Table.Td>{size(row.size)}</Table.Td>
                  <Table.Td>
                    {row.copies.map((copy) => (
                      <Text key={copy.target} size="xs" c={copy.ok ? undefined : 'red.9'}>
                        {copy.ok ? 'ok' : `PROBLEM (${copy.problem ?? 'unknown'})`}: {copy.target}
                      </Text>
                    ))}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
