import { Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { ErrorNote, useAction } from '../ui.tsx';
import { AuthLayout, PASSWORD_POLICY } from './AuthLayout.tsx';

const USERNAME_RULE = '1 to 64 letters, digits, ".", "_", "-" or "@".';

/** First start: the owner account, created once (the server refuses a second owner). */
export function SetupPage({ onDone }: { onDone(): void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const { error, busy, run, fail } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (password !== repeat) return fail(new Error('The two passwords differ.'));
    void run(async () => {
      await post('/api/setup', { username, password });
      onDone();
    });
  };

  return (
    <AuthLayout title="Set up Hearth" intro="Create the owner account. The owner adds the people whose records Hearth keeps and decides who may see them.">
      <form onSubmit={submit} aria-label="Create the owner account">
        <Stack>
          <ErrorNote error={error} title="Not created" />
          <TextInput label="Username" description={USERNAME_RULE} autoComplete="username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
          <PasswordInput label="Password" description={PASSWORD_POLICY} autoComplete="new-password" required minLength={8} maxLength={128} value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <PasswordInput label="Repeat the password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.currentTarget.value)} />
          <Button type="submit" loading={busy}>
            Create owner account
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
