// The owner's "Provider apps": client ids obtained from vendors (POST/GET/DELETE /api/provider-apps),
// with the redirect URI pattern and JWKS URL to give them. Creating and deleting need a fresh password.
import { Button, Card, Code, Group, NativeSelect, PasswordInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { del, get, post, seg } from '../api.ts';
import { useReauth } from '../reauth.tsx';
import { useHearth } from '../session.tsx';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';

export interface Registration {
  id: string;
  label: string;
  appliesTo: string | null;
  clientId: string;
  clientType: 'public' | 'confidential-secret' | 'confidential-key';
  alg: string | null;
  scopes: string | null;
}

export interface ProviderApps {
  registrations: Registration[];
  redirectUriPattern: string;
  jwksUrl: string;
}

const TYPE_TEXT: Record<Registration['clientType'], string> = {
  public: 'Public (PKCE only)',
  'confidential-secret': 'Confidential, client secret',
  'confidential-key': 'Confidential, private key (Hearth makes the key)',
};

export function ProviderAppsPage() {
  const { session } = useHearth();
  const loaded = useLoad<ProviderApps>(session.account.isOwner ? '/api/provider-apps' : null, () => get('/api/provider-apps'));
  const reauth = useReauth();
  const [label, setLabel] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientType, setClientType] = useState<Registration['clientType']>('public');
  const [secret, setSecret] = useState('');
  const [alg, setAlg] = useState('ES384');
  const [appliesTo, setAppliesTo] = useState('');

  if (!session.account.isOwner) return <Empty>Only the owner of this Hearth registers provider apps.</Empty>;
  if (loaded.loading && !loaded.data) return <Loading label="Loading provider apps…" />;
  if (!loaded.data) return <ErrorNote error={loaded.error} />;
  const apps = loaded.data;

  const add = (event: FormEvent) => {
    event.preventDefault();
    void reauth.run(async () => {
      await post('/api/provider-apps', {
        label,
        clientId,
        clientType,
        ...(clientType === 'confidential-secret' ? { clientSecret: secret } : {}),
        ...(clientType === 'confidential-key' ? { alg } : {}),
        ...(appliesTo.trim() ? { appliesTo } : {}),
      });
      setLabel('');
      setClientId('');
      setSecret('');
      loaded.reload();
    });
  };
  const remove = (id: string) =>
    void reauth.run(async () => {
      await del(`/api/provider-apps/${seg(id)}`);
      loaded.reload();
    });

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        Provider apps
      </Title>
      <Card withBorder>
        <Stack gap={6}>
          <Text size="sm">Register Hearth with each vendor (see docs/providers.md), then enter the client id it gives you here.</Text>
          <Text size="sm">
            Redirect URI: <Code>{apps.redirectUriPattern}</Code>
          </Text>
          <Text size="xs" c="dimmed">
            Each connection gets its own redirect URI ({'{sourceId}'} is made when you connect). The vendor must accept redirect URIs under this
            address; if it wants exact ones, Hearth shows the exact URI when a connection is created.
          </Text>
          <Text size="sm">
            JWKS URL (for private-key apps): <Code>{apps.jwksUrl}</Code>
          </Text>
        </Stack>
      </Card>
      {reauth.prompt}
      <ErrorNote error={reauth.error} />
      {apps.registrations.length === 0 ? (
        <Empty>No provider apps yet.</Empty>
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Client id</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>For</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {apps.registrations.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>{r.label}</Table.Td>
                  <Table.Td>{r.clientId}</Table.Td>
                  <Table.Td>
                    {TYPE_TEXT[r.clientType]}
                    {r.alg ? ` (${r.alg})` : ''}
                  </Table.Td>
                  <Table.Td>{r.appliesTo ?? 'any provider'}</Table.Td>
                  <Table.Td>
                    <Button size="compact-sm" variant="subtle" color="red" onClick={() => remove(r.id)} loading={reauth.busy}>
                      Delete
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <form onSubmit={add}>
        <Stack gap="sm" maw={480}>
          <Title order={2} size="h4">
            Add a provider app
          </Title>
          <TextInput label="Name" required value={label} onChange={(e) => setLabel(e.currentTarget.value)} />
          <TextInput label="Client id" required value={clientId} onChange={(e) => setClientId(e.currentTarget.value)} />
          <NativeSelect
            label="Client type"
            value={clientType}
            onChange={(e) => setClientType(e.currentTarget.value as Registration['clientType'])}
            data={Object.entries(TYPE_TEXT).map(([value, text]) => ({ value, label: text }))}
          />
          {clientType === 'confidential-secret' && <PasswordInput label="Client secret" required autoComplete="off" value={secret} onChange={(e) => setSecret(e.currentTarget.value)} />}
          {clientType === 'confidential-key' && <NativeSelect label="Key algorithm" value={alg} onChange={(e) => setAlg(e.currentTarget.value)} data={['ES384', 'RS384']} />}
          <TextInput label="For (vendor or FHIR base URL, optional)" value={appliesTo} onChange={(e) => setAppliesTo(e.currentTarget.value)} />
          <Group>
            <Button type="submit" loading={reauth.busy}>
              Add
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
