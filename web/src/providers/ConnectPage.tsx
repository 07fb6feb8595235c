// Connect a person to a provider (SMART standalone launch): find the provider in the directory or
// type a FHIR base URL, choose the provider app (registration) when there are several, then POST
// /api/people/:pid/connections and go to the provider's authorize URL it answers.
import { Alert, Button, Card, Group, NativeSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { get, post, seg } from '../api.ts';
import { Empty, ErrorNote, Loading, useAction, useLoad } from '../ui.tsx';

interface Choice {
  id: string;
  label: string;
  appliesTo: string | null;
}

interface DirectoryResult {
  id: string;
  organization: string;
  vendor: string;
  fhirVersion: string;
  url: string;
  state: string | null;
}

interface Started {
  sourceId: string;
  authorizeUrl: string;
  redirectUri: string;
}

/** The registration whose `appliesTo` names this vendor or URL, else the first. */
function preferred(choices: Choice[], vendor: string, url: string): string {
  const hit = choices.find((c) => c.appliesTo && (url.startsWith(c.appliesTo) || vendor.toLowerCase().includes(c.appliesTo.toLowerCase())));
  return (hit ?? choices[0])?.id ?? '';
}

export function ConnectPage({ pid }: { pid: string }) {
  const choices = useLoad<{ choices: Choice[] }>('/api/provider-app-choices', () => get('/api/provider-app-choices'));
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<DirectoryResult[] | null>(null);
  const [registrationId, setRegistrationId] = useState('');
  const [url, setUrl] = useState('');
  const [label, setLabel] = useState('');
  const searching = useAction();
  const connecting = useAction();
  const busy = connecting.busy;

  if (choices.loading && !choices.data) return <Loading />;
  if (!choices.data) return <ErrorNote error={choices.error} />;
  const list = choices.data.choices;
  if (list.length === 0) return <Empty>No provider apps are registered yet: the owner of this Hearth adds them under Provider apps.</Empty>;

  const search = (event: FormEvent) => {
    event.preventDefault();
    void searching.run(async () => setResults((await get<{ results: DirectoryResult[] }>(`/api/directory?q=${encodeURIComponent(query)}&limit=20`)).results));
  };
  const connect = (fhirBaseUrl: string, name: string, vendor = '') =>
    connecting.run(async () => {
      const chosen = registrationId || preferred(list, vendor, fhirBaseUrl);
      const started = await post<Started>(`/api/people/${seg(pid)}/connections`, { fhirBaseUrl, label: name, registrationId: chosen });
      // A top-level navigation: the provider's sign-in page, then back to /callback/<sourceId>.
      window.location.assign(started.authorizeUrl);
    });

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        Connect a provider
      </Title>
      <Text size="sm">You will sign in at the provider and approve Hearth; records then come straight from the provider to this Hearth.</Text>
      {list.length > 1 && (
        <NativeSelect
          label="Provider app"
          maw={360}
          value={registrationId}
          onChange={(e) => setRegistrationId(e.currentTarget.value)}
          data={[{ value: '', label: 'Choose automatically' }, ...list.map((c) => ({ value: c.id, label: c.label }))]}
        />
      )}
      <ErrorNote error={searching.error ?? connecting.error} />
      <form onSubmit={(e) => void search(e)}>
        <Group align="end">
          <TextInput label="Find your provider" placeholder="Organisation name, ZIP or vendor" value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={360} />
          <Button type="submit">Search</Button>
        </Group>
      </form>
      {results !== null &&
        (results.length === 0 ? (
          <Empty>Nothing found: try fewer words, or connect by URL below.</Empty>
        ) : (
          <Stack gap="xs">
            {results.map((r) => (
              <Card key={r.id} withBorder padding="sm">
                <Group justify="space-between" wrap="nowrap">
                  <div>
                    <Text fw={600}>{r.organization}</Text>
                    <Text size="xs" c="dimmed">
                      {r.vendor} · FHIR {r.fhirVersion}
                      {r.state ? ` · ${r.state}` : ''}
                    </Text>
                  </div>
                  <Button size="compact-sm" loading={busy} onClick={() => void connect(r.url, r.organization, r.vendor)}>
                    Connect
                  </Button>
                </Group>
              </Card>
            ))}
          </Stack>
        ))}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void connect(url, label || url);
        }}
      >
        <Stack gap="sm" maw={480}>
          <Title order={2} size="h4">
            Connect by URL
          </Title>
          <TextInput label="FHIR base URL" type="url" required placeholder="https://fhir.example.org/r4" value={url} onChange={(e) => setUrl(e.currentTarget.value)} />
          <TextInput label="Name (optional)" value={label} onChange={(e) => setLabel(e.currentTarget.value)} />
          <Alert variant="light" color="gray">
            Only https servers are reached, unless the owner allowlisted an address on your network.
          </Alert>
          <Group>
            <Button type="submit" loading={busy}>
              Connect
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
