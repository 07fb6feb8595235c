import { Button, List, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiError, get, post, seg } from '../api.ts';
import { navigate } from '../router.tsx';
import { ErrorNote, Loading, useAction, useLoad } from '../ui.tsx';
import { formatDate } from '../format.ts';
import { AuthLayout, PASSWORD_POLICY } from './AuthLayout.tsx';

interface InviteInfo {
  valid: boolean;
  grants: { personName: string; role: string }[];
  expiresAt: string;
}

/** /invite/<token>: what the invite gives, and creating the account that accepts it. */
export function InvitePage({ token, onAccepted }: { token: string; onAccepted(): void }) {
  const info = useLoad(`invite:${token}`, () => get<InviteInfo>(`/api/invites/${seg(token)}`));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await post(`/api/invites/${seg(token)}/accept`, { username, password }, { quietUnauthenticated: true });
      navigate('/', { replace: true });
      onAccepted();
    });
  };
  if (info.loading) return <Loading />;
  if (info.error || !info.data?.valid) {
    // Unknown, used, revoked and expired invites all answer the same 404.
    const gone = !info.error || (info.error instanceof ApiError && info.error.status === 404);
    return (
      <AuthLayout title="Invitation">
        <ErrorNote error={gone ? new Error('This invite link is not valid: it was used, revoked or has expired. Ask for a new one.') : info.error} title="Cannot use this invite" />
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="You are invited to Hearth" intro={`This invite expires ${formatDate(info.data.expiresAt)}.`}>
      <form onSubmit={submit} aria-label="Accept the invite">
        <Stack>
          <Text size="sm">With it you will see the records of:</Text>
          <List size="sm">
            {info.data.grants.map((grant, index) => (
              <List.Item key={index}>
                {grant.personName} ({grant.role})
              </List.Item>
            ))}
          </List>
          <ErrorNote error={error} title="Not accepted" />
          <TextInput label="Choose a username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
          <PasswordInput label="Choose a password" description={PASSWORD_POLICY} autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <Button type="submit" loading={busy}>
            Create account and accept
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
