import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../api.ts';
import { ErrorNote, useAction } from '../ui.tsx';
import { AuthLayout } from './AuthLayout.tsx';

/** Sign-in: username and password, then a one-time code when the account has TOTP (RFC 6238). */
export function LoginPage({ notice, onSignedIn }: { notice?: string; onSignedIn(): void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const { error, busy, run, fail } = useAction();

  // A second step (TOTP) and a lockout are answers to explain, not errors to show raw.
  const claim = (caught: unknown) => {
    if (caught instanceof ApiError && caught.code === 'totp-required') {
      setNeedsCode(true);
      return true;
    }
    if (caught instanceof ApiError && caught.status === 429) {
      const wait = caught.retryAfter ? ` Try again in ${Math.ceil(caught.retryAfter / 60)} minute(s).` : '';
      fail(new Error(`Too many failed sign-ins for this account.${wait}`));
      return true;
    }
    return false;
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await post('/api/login', { username, password, ...(needsCode ? { code: code.trim() } : {}) }, { quietUnauthenticated: true });
      onSignedIn();
    }, claim);
  };

  return (
    <AuthLayout title="Sign in">
      <form onSubmit={submit} aria-label="Sign in">
        <Stack>
          {notice && (
            <Alert color="blue" role="status">
              {notice}
            </Alert>
          )}
          <ErrorNote error={error} title="Not signed in" />
          <TextInput label="Username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} readOnly={needsCode} />
          <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} readOnly={needsCode} />
          {needsCode && (
            <TextInput
              label="One-time code"
              description="The 6-digit code from your authenticator app, or one of your recovery codes."
              autoComplete="one-time-code"
              inputMode="text"
              required
              data-autofocus
              autoFocus
              value={code}
              onChange={(e) => setCode(e.currentTarget.value)}
            />
          )}
          <Button type="submit" loading={busy}>
            {needsCode ? 'Verify and sign in' : 'Sign in'}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
