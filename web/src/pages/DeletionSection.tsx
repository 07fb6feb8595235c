import { Button, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { api, get, seg } from '../api.ts';
import { formatDate } from '../format.ts';
import { useReauth } from '../reauth.tsx';
import { navigate } from '../router.tsx';
import { useHearth, usePerson } from '../session.tsx';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';

/** A person's source as GET /api/people/:pid/sources lists it (deletion-service.ts SourceSummary). */
export interface Source {
  id: string;
  kind: string;
  label: string;
  createdAt: string;
  records: number;
}

/** Deleting a source's records, or the person with everything of theirs (issue 6 §2): for good, after a fresh password. */
export function DeletionSection({ pid }: { pid: string }) {
  const person = usePerson(pid);
  const { refresh } = useHearth();
  const sourcesPath = `/api/people/${seg(pid)}/sources`;
  const sources = useLoad(sourcesPath, () => get<{ sources: Source[] }>(sourcesPath));
  const [asking, setAsking] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const reauth = useReauth();
  const name = person?.name ?? '';

  const deleteSource = (source: Source) =>
    reauth.run(async () => {
      await api('DELETE', `${sourcesPath}/${seg(source.id)}`);
      setAsking(null);
      sources.reload();
    });
  const deletePerson = () =>
    reauth.run(async () => {
      await api('DELETE', `/api/people/${seg(pid)}`, { body: { confirm: typed } });
      await refresh();
      navigate('/', { replace: true });
    });

  return (
    <Card withBorder component="section" aria-labelledby="delete-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="delete-title">
          Delete records
        </Title>
        <Text size="sm" c="dimmed">
          Deleting cannot be undone. Nothing stays behind: the records, their history and search index go, and the encryption key that
          could read older copies is destroyed.
        </Text>
        <ErrorNote error={sources.error ?? reauth.error} />
        {reauth.prompt}
        <Title order={3} size="h5">
          Sources
        </Title>
        {sources.loading && !sources.data && <Loading />}
        {sources.data && sources.data.sources.length === 0 && <Empty>No sources yet.</Empty>}
        {sources.data && sources.data.sources.length > 0 && (
          <div style={{ overflowX: 'auto' }}>
            <Table aria-label="Sources">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Source</Table.Th>
                  <Table.Th>Records</Table.Th>
                  <Table.Th>Added</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {sources.data.sources.map((source) => (
                  <Table.Tr key={source.id}>
                    <Table.Td>{source.label}</Table.Td>
                    <Table.Td>{source.records}</Table.Td>
                    <Table.Td>{formatDate(source.createdAt)}</Table.Td>
                    <Table.Td>
                      {asking === source.id ? (
                        <Group gap="xs" wrap="nowrap">
                          <Button size="compact-sm" color="red" loading={reauth.busy} onClick={() => void deleteSource(source)}>
                            Delete {source.records} records for good
                          </Button>
                          <Button size="compact-sm" variant="default" onClick={() => setAsking(null)}>
                            Cancel
                          </Button>
                        </Group>
                      ) : (
                        <Button size="compact-sm" variant="light" color="red" onClick={() => setAsking(source.id)} aria-label={`Delete source ${source.label}`}>
                          Delete
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
        <Title order={3} size="h5">
          Delete {name}
        </Title>
        <Text size="sm">All of {name}’s records, sources, sharing and activity are deleted. Type the name to confirm.</Text>
        <Group align="end">
          <TextInput label={`Type “${name}”`} value={typed} onChange={(e) => setTyped(e.currentTarget.value)} autoComplete="off" />
          <Button color="red" disabled={typed.trim() !== name} loading={reauth.busy} onClick={() => void deletePerson()}>
            Delete {name} for good
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
