import { Anchor, Button, Card, Checkbox, Group, List, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { CSRF_HEADERS, errorFrom, post, seg } from '../api.ts';
import { usePerson } from '../session.tsx';
import { whenReauthRequired } from '../reauth.tsx';
import { ErrorNote, useAction } from '../ui.tsx';

type Step = { kind: 'idle' } | { kind: 'reauth' } | { kind: 'done'; file: string };

/** `attachment; filename="…"` → the name; the server makes it plain ASCII. */
const fileNameOf = (disposition: string | null) => /filename="([^"]+)"/.exec(disposition ?? '')?.[1] ?? 'hearth-export.zip';

/**
 * The full export (a zip download; the server asks for the password again when the sign-in is older
 * than a few minutes) and the summaries for a doctor: the print view, its PDF and the IPS document.
 */
export function ExportPage({ pid }: { pid: string }) {
  const person = usePerson(pid);
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [allVersions, setAllVersions] = useState(false);
  const [password, setPassword] = useState('');
  const action = useAction();
  const { busy, error } = action;
  const base = `/api/people/${seg(pid)}`;
  const mayExport = person?.actions.includes('export') === true;

  const download = async () => {
    const response = await fetch(`${base}/export`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { ...CSRF_HEADERS, 'Content-Type': 'application/json' },
      body: JSON.stringify({ allVersions }),
    });
    if (!response.ok) throw errorFrom(response.status, await response.text());
    // Held in memory until saved: the browser gives no streaming download for a POST answer.
    const blob = await response.blob();
    const file = fileNameOf(response.headers.get('Content-Disposition'));
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = file;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setStep({ kind: 'done', file });
  };

  // An export needs the password proved within five minutes (SECURITY.md): a password step, then the download.
  const run = (work: () => Promise<void>) =>
    action.run(work, whenReauthRequired(() => setStep({ kind: 'reauth' })));
  const reauth = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await post('/api/reauth', { password });
      setPassword('');
      await download();
    });
  };

  return (
    <Stack maw={700}>
      <Title order={1} size="h2">
        Export and summaries
      </Title>
      <Card withBorder component="section" aria-labelledby="summary-title">
        <Stack gap="xs">
          <Title order={2} size="h4" id="summary-title">
            Summary for a doctor
          </Title>
          <Text size="sm" c="dimmed">
            Allergies, problems, medications, immunisations, recent results and procedures of {person?.name}.
          </Text>
          <List size="sm">
            <List.Item>
              <Anchor href={`${base}/summary.html`} target="_blank" rel="noopener">Printable summary</Anchor>
            </List.Item>
            <List.Item>
              <Anchor href={`${base}/summary.pdf`} target="_blank" rel="noopener">Summary as PDF</Anchor>
            </List.Item>
            <List.Item>
              <Anchor href={`${base}/ips`} target="_blank" rel="noopener">International Patient Summary (FHIR)</Anchor>
            </List.Item>
          </List>
        </Stack>
      </Card>
      {mayExport && (
        <Card withBorder component="section" aria-labelledby="export-title">
          <Stack gap="sm">
            <Title order={2} size="h4" id="export-title">
              Full export
            </Title>
            <Text size="sm" c="dimmed">
              A zip with every record (FHIR NDJSON and a Bundle), attachments, the audit trail and a manifest with checksums.
            </Text>
            <ErrorNote error={error} title="The export failed" />
            {step.kind === 'reauth' ? (
              <form onSubmit={reauth}>
                <Stack gap="sm">
                  <Text size="sm">Confirm your password to export.</Text>
                  <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
                  <Group>
                    <Button type="submit" loading={busy}>
                      Confirm and download
                    </Button>
                    <Button variant="default" onClick={() => setStep({ kind: 'idle' })}>
                      Cancel
                    </Button>
                  </Group>
                </Stack>
              </form>
            ) : (
              <>
                <Checkbox label="Include earlier versions of each record" checked={allVersions} onChange={(e) => setAllVersions(e.currentTarget.checked)} />
                <Group>
                  <Button loading={busy} onClick={() => void run(download)}>
                    Download export
                  </Button>
                </Group>
                {step.kind === 'done' && <Text size="sm" role="status">Downloaded {step.file}.</Text>}
              </>
            )}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
