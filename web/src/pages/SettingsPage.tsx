import { Button, Card, Group, PasswordInput, Stack, Table, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { del, get, post, seg } from '../api.ts';
import { Link } from '../router.tsx';
import { useHearth } from '../session.tsx';
import { AddPerson } from './HomePage.tsx';
import { ErrorNote, Loading, useAction, useLoad } from '../ui.tsx';
import { formatDate } from '../format.ts';
import { PASSWORD_POLICY } from './AuthLayout.tsx';
import { TotpSettings } from './TotpSettings.tsx';

/** The account: password, second factor, sessions; people and who may see them. */
export function SettingsPage() {
  const { session } = useHearth();
  return (
    <Stack maw={800}>
      <Title order={1} size="h2">
        Settings
      </Title>
      <Text c="dimmed" size="sm">
        Signed in as {session.account.username}
        {session.account.isOwner ? ' (owner of this Hearth)' : ''}.
      </Text>
      <ChangePassword />
      <TotpSettings />
      <Sessions />
      <People />
    </Stack>
  );
}

/** The people this account may see, each with a link to who else may; the owner adds people here too. */
function People() {
  const { session } = useHearth();
  const managed = session.people.filter((person) => person.actions.includes('manage'));
  return (
    <Stack gap="sm">
      {managed.length > 0 && (
        <Card withBorder component="section" aria-labelledby="people-title">
          <Stack gap="xs">
            <Title order={2} size="h4" id="people-title">
              People and sharing
            </Title>
            {managed.map((person) => (
              <Group key={person.id} justify="space-between">
                <Text>{person.name}</Text>
                <Link to={`/people/${seg(person.id)}/sharing`}>Who may see their records</Link>
              </Group>
            ))}
          </Stack>
        </Card>
      )}
      {session.account.isOwner && <AddPerson />}
    </Stack>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const { error, busy, run } = useAction();
  const [done, setDone] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    void run(async () => {
      await post('/api/password', { current, next });
      setDone(true);
      setCurrent('');
      setNext('');
    });
  };
  return (
    <Card withBorder component="section" aria-labelledby="password-title">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Title order={2} size="h4" id="password-title">
            Password
          </Title>
          <ErrorNote error={error} title="Not changed" />
          {done && (
            <Text c="teal" role="status">
              Password changed. Your other sessions were ended.
            </Text>
          )}
          <PasswordInput label="Current password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.currentTarget.value)} />
          <PasswordInput label="New password" description={PASSWORD_POLICY} autoComplete="new-password" required value={next} onChange={(e) => setNext(e.currentTarget.value)} />
          <Group>
            <Button type="submit" loading={busy}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

interface SessionRow {
  handle: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string | null;
  current: boolean;
}

function Sessions() {
  const { signOut } = useHearth();
  const sessions = useLoad('sessions', () => get<{ sessions: SessionRow[] }>('/api/sessions'));
  const { error, run } = useAction();
  const end = (row: SessionRow) =>
    run(async () => {
      await del(`/api/sessions/${seg(row.handle)}`);
      if (row.current) return void signOut();
      sessions.reload();
    });
  return (
    <Card withBorder component="section" aria-labelledby="sessions-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="sessions-title">
          Sessions
        </Title>
        <Text size="sm" c="dimmed">
          Where this account is signed in. End any you do not recognise.
        </Text>
        {sessions.loading && !sessions.data && <Loading />}
        <ErrorNote error={sessions.error ?? error} />
        {sessions.data && (
          <div style={{ overflowX: 'auto' }}>
            <Table aria-label="Sessions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Browser</Table.Th>
                  <Table.Th>Last seen</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {sessions.data.sessions.map((row) => (
                  <Table.Tr key={row.handle}>
                    <Table.Td style={{ wordBreak: 'break-word' }}>
                      {row.userAgent ?? 'unknown browser'}
                      {row.current && (
                        <Text size="xs" c="teal">
                          this browser
                        </Text>
                      )}
                      <Text size="xs" c="dimmed">
                        since {formatDate(row.createdAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>{formatDate(row.lastSeenAt)}</Table.Td>
                    <Table.Td>
                      <Button size="compact-sm" variant="light" color="red" onClick={() => void end(row)}>
                        End
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
      </Stack>
    </Card>
  );
}
