import { Button, Card, Code, CopyButton, Group, NativeSelect, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { del, get, post, put, seg } from '../api.ts';
import { usePerson, useHearth } from '../session.tsx';
import { Empty, ErrorNote, Loading, useAction, useLoad } from '../ui.tsx';
import { formatDate } from '../format.ts';

/** accounts/GrantRole: what a grant may be (access/access.ts maps each to its actions). */
const ROLES = ['viewer', 'manager', 'owner'];

interface Grant {
  accountId: string;
  username: string;
  role: string;
}
interface Invite {
  id: string;
  expiresAt: string;
  grants?: { personId: string; role: string }[];
}

/** Who may see a person's records: grants (change role, remove) and invite links. */
export function SharingPage({ pid }: { pid: string }) {
  const person = usePerson(pid);
  const { session } = useHearth();
  const grants = useLoad(`grants:${pid}`, () => get<{ grants: Grant[] }>(`/api/people/${seg(pid)}/grants`));
  const { error, run } = useAction();
  const act = (action: () => Promise<unknown>) =>
    run(async () => {
      await action();
      grants.reload();
    });

  return (
    <Stack maw={800}>
      <Title order={1} size="h2">
        Who may see {person?.name}’s records
      </Title>
      {grants.loading && !grants.data && <Loading />}
      <ErrorNote error={grants.error ?? error} />
      {grants.data && grants.data.grants.length === 0 && <Empty>Only the owner of this Hearth. Invite someone below.</Empty>}
      {grants.data && grants.data.grants.length > 0 && (
        <div style={{ overflowX: 'auto' }}>
          <Table aria-label="Access">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Account</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {grants.data.grants.map((grant) => (
                <Table.Tr key={grant.accountId}>
                  <Table.Td>{grant.username}</Table.Td>
                  <Table.Td>
                    <NativeSelect
                      aria-label={`Role of ${grant.username}`}
                      size="xs"
                      value={grant.role}
                      data={ROLES.includes(grant.role) ? ROLES : [grant.role, ...ROLES]}
                      disabled={grant.accountId === session.account.id}
                      onChange={(event) => {
                        const role = event.currentTarget.value;
                        void act(() => put(`/api/people/${seg(pid)}/grants/${seg(grant.accountId)}`, { role }));
                      }}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="compact-sm"
                      variant="light"
                      color="red"
                      disabled={grant.accountId === session.account.id}
                      onClick={() => void act(() => del(`/api/people/${seg(pid)}/grants/${seg(grant.accountId)}`))}
                    >
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      <Invites pid={pid} />
    </Stack>
  );
}

function Invites({ pid }: { pid: string }) {
  const [role, setRole] = useState('viewer');
  const [created, setCreated] = useState<{ link: string; expiresAt: string } | null>(null);
  const { error, run } = useAction();
  const invites = useLoad(`invites:${pid}`, () => get<{ invites: Invite[] }>('/api/invites'));
  const mine = (invites.data?.invites ?? []).filter((invite) => !invite.grants || invite.grants.some((grant) => grant.personId === pid));

  const create = () =>
    run(async () => {
      const answer = await post<{ invite: { id: string; expiresAt: string }; token: string; path: string }>('/api/invites', { grants: [{ personId: pid, role }] });
      setCreated({ link: new URL(answer.path, window.location.origin).toString(), expiresAt: answer.invite.expiresAt });
      invites.reload();
    });
  const revoke = (id: string) =>
    run(async () => {
      await del(`/api/invites/${seg(id)}`);
      invites.reload();
    });

  return (
    <Card withBorder component="section" aria-labelledby="invite-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="invite-title">
          Invite someone
        </Title>
        <Text size="sm" c="dimmed">
          An invite link lets one person create an account that can see these records. Send it privately; it expires.
        </Text>
        <ErrorNote error={error} />
        <Group align="end">
          <NativeSelect label="Role" data={ROLES} value={role} onChange={(event) => setRole(event.currentTarget.value)} />
          <Button onClick={() => void create()}>Create invite link</Button>
        </Group>
        {created && (
          <Stack gap={4}>
            <Group gap="xs" wrap="nowrap">
              <Code style={{ wordBreak: 'break-all' }} data-testid="invite-link">
                {created.link}
              </Code>
              <CopyButton value={created.link}>{({ copied, copy }) => <Button size="compact-xs" variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
            </Group>
            <Text size="xs" c="dimmed">
              Expires {formatDate(created.expiresAt)}. It is shown only now.
            </Text>
          </Stack>
        )}
        {mine.length > 0 && (
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Open invites
            </Text>
            {mine.map((invite) => (
              <Group key={invite.id} justify="space-between">
                <Text size="sm">expires {formatDate(invite.expiresAt)}</Text>
                <Button size="compact-sm" variant="subtle" color="red" onClick={() => void revoke(invite.id)}>
                  Revoke
                </Button>
              </Group>
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
