// Sensitive actions (deletion) need the password proved within five minutes (SECURITY.md): when the
// server answers 401 reauth-required, ask for it once, then run the same action again.
import { Button, Group, PasswordInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent, type ReactElement } from 'react';
import { ApiError, post } from './api.ts';
import { useAction } from './ui.tsx';

export interface Reauth {
  /** Runs `action`; on reauth-required keeps it for after the password prompt. */
  run(action: () => Promise<void>): Promise<void>;
  busy: boolean;
  error: unknown;
  /** The password prompt, while one is needed; null otherwise. */
  prompt: ReactElement | null;
}

/**
 * For useAction's `claim`: when the server wants the password proved again (401 reauth-required),
 * `then` opens the page's password step and the error is not shown.
 */
export const whenReauthRequired = (then: () => void) => (caught: unknown): boolean => {
  if (!(caught instanceof ApiError && caught.code === 'reauth-required')) return false;
  then();
  return true;
};

export function useReauth(): Reauth {
  const [pending, setPending] = useState<(() => Promise<void>) | null>(null);
  const [password, setPassword] = useState('');
  const { busy, error, run: runAction } = useAction();

  const run = async (action: () => Promise<void>) => {
    if (await runAction(action, whenReauthRequired(() => setPending(() => action)))) setPending(null);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const action = pending;
    void run(async () => {
      await post('/api/reauth', { password }, { quietUnauthenticated: true });
      setPassword('');
      if (action) await action();
    });
  };

  const prompt = pending ? (
    <form onSubmit={submit} aria-label="Confirm your password">
      <Stack gap="sm">
        <Text size="sm">Confirm your password to continue.</Text>
        <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
        <Group>
          <Button type="submit" loading={busy}>
            Confirm
          </Button>
          <Button variant="default" onClick={() => setPending(null)}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  ) : null;

  return { run, busy, error, prompt };
}
