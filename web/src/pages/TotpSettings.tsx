import { Alert, Button, Card, Code, CopyButton, Group, List, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { whenReauthRequired } from '../reauth.tsx';
import { useHearth } from '../session.tsx';
import { ErrorNote, useAction } from '../ui.tsx';

type Step = { kind: 'idle' } | { kind: 'reauth'; then: 'setup' } | { kind: 'enrol'; secret: string; otpauthUri: string } | { kind: 'codes'; recoveryCodes: string[] } | { kind: 'disable' };

/**
 * The optional second factor (RFC 6238 TOTP). The secret is shown as text and as an otpauth:// URI
 * (no QR service: nothing leaves this server); recovery codes are shown once, right after enrolment.
 */
export function TotpSettings() {
  const { session, refresh } = useHearth();
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const action = useAction();
  const { busy, error } = action;
  const enabled = session.account.totpEnabled === true;

  // Setting up a second factor needs the password proved within five minutes (SECURITY.md).
  const run = (work: () => Promise<void>) =>
    action.run(work, whenReauthRequired(() => setStep({ kind: 'reauth', then: 'setup' })));
  const beginSetup = () => run(async () => setStep({ kind: 'enrol', ...(await post<{ secret: string; otpauthUri: string }>('/api/totp/setup')) }));
  const reauth = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await post('/api/reauth', { password });
      setPassword('');
      await beginSetup();
    });
  };
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const { recoveryCodes } = await post<{ recoveryCodes: string[] }>('/api/totp/confirm', { code: code.trim() });
      setCode('');
      setStep({ kind: 'codes', recoveryCodes });
    });
  };
  const disable = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await post('/api/totp/disable', { password });
      setPassword('');
      setStep({ kind: 'idle' });
      await refresh();
    });
  };

  return (
    <Card withBorder component="section" aria-labelledby="totp-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="totp-title">
          Two-step sign-in
        </Title>
        <Text size="sm" c="dimmed">
          {enabled ? 'On: signing in asks for a code from your authenticator app.' : 'Off. With it on, signing in also asks for a 6-digit code from an authenticator app.'}
        </Text>
        <ErrorNote error={error} />
        {step.kind === 'idle' && (
          <Group>
            {enabled ? (
              <Button variant="light" color="red" onClick={() => setStep({ kind: 'disable' })}>
                Turn off
              </Button>
            ) : (
              <Button loading={busy} onClick={() => void beginSetup()}>
                Turn on
              </Button>
            )}
          </Group>
        )}
        {step.kind === 'reauth' && (
          <form onSubmit={reauth}>
            <Stack gap="sm">
              <Text size="sm">Confirm your password first.</Text>
              <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
              <Group>
                <Button type="submit" loading={busy}>
                  Continue
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {step.kind === 'enrol' && (
          <form onSubmit={confirm}>
            <Stack gap="sm">
              <Text size="sm">Add this account to your authenticator app: enter the secret, or open the link on the device with the app.</Text>
              <Group gap="xs" wrap="nowrap">
                <Code style={{ wordBreak: 'break-all' }} data-testid="totp-secret">
                  {step.secret}
                </Code>
                <CopyButton value={step.secret}>{({ copied, copy }) => <Button size="compact-xs" variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
              </Group>
              <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
                {step.otpauthUri}
              </Code>
              <TextInput label="Code from the app" autoComplete="one-time-code" inputMode="numeric" required value={code} onChange={(e) => setCode(e.currentTarget.value)} />
              <Group>
                <Button type="submit" loading={busy}>
                  Confirm
                </Button>
                <Button variant="default" onClick={() => setStep({ kind: 'idle' })}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {step.kind === 'codes' && (
          <Alert color="yellow" title="Save your recovery codes now">
            <Text size="sm">Each code signs you in once if you lose your authenticator. They are shown only this once.</Text>
            <List size="sm" mt="xs" data-testid="recovery-codes">
              {step.recoveryCodes.map((recovery) => (
                <List.Item key={recovery}>
                  <Code>{recovery}</Code>
                </List.Item>
              ))}
            </List>
            <Button
              mt="sm"
              onClick={() => {
                setStep({ kind: 'idle' });
                void refresh();
              }}
            >
              I have saved them
            </Button>
          </Alert>
        )}
        {step.kind === 'disable' && (
          <form onSubmit={disable}>
            <Stack gap="sm">
              <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
              <Group>
                <Button type="submit" color="red" loading={busy}>
                  Turn off two-step sign-in
                </Button>
                <Button variant="default" onClick={() => setStep({ kind: 'idle' })}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Stack>
    </Card>
  );
}
