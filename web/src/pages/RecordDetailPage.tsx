import { Badge, Breadcrumbs, Code, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { get, seg } from '../api.ts';
import { ManualRecordActions } from '../entry/ManualRecordActions.tsx';
import { FhirElements } from '../fhir/render.tsx';
import { summarise, type Json } from '../fhir/summarise.ts';
import { Link } from '../router.tsx';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';
import { formatDate } from '../format.ts';

interface Version {
  versionId: string;
  lastUpdated: string;
  source: { id: string; kind: string; label: string } | null;
  importId: string | null;
  origin: string | null;
  deleted: boolean;
}

/** One record: readable fields, where it came from (provenance), its versions, the raw JSON. */
export function RecordDetailPage({ pid, type, id }: { pid: string; type: string; id: string }) {
  const path = `/fhir/${seg(pid)}/${seg(type)}/${seg(id)}`;
  const record = useLoad(path, () => get<Json>(path));
  const provenance = useLoad(`provenance:${path}`, () => get<{ versions: Version[] }>(`/api/people/${seg(pid)}/provenance/${seg(type)}/${seg(id)}`));
  const versions = provenance.data?.versions ?? [];
  const latest = versions[versions.length - 1];

  return (
    <Stack maw={960}>
      <Breadcrumbs>
        <Link to={`/people/${seg(pid)}/records`}>Records</Link>
        <Link to={`/people/${seg(pid)}/records/${seg(type)}`}>{type}</Link>
        <Text span>{id.length > 12 ? `${id.slice(0, 12)}…` : id}</Text>
      </Breadcrumbs>
      {record.loading && <Loading />}
      <ErrorNote error={record.error} title="This record cannot be shown" />
      {record.data && (
        <>
          <Title order={1} size="h2">
            {summarise(record.data)}
          </Title>
          <Text size="sm" c="dimmed">
            {type} · version {String((record.data.meta as { versionId?: string } | undefined)?.versionId ?? '?')}
            {latest?.source ? ` · from ${latest.source.label}` : ''}
          </Text>
          <ManualRecordActions pid={pid} type={type} id={id} record={record.data} latest={latest} />
          <Tabs defaultValue="fields" keepMounted={false}>
            <Tabs.List>
              <Tabs.Tab value="fields">Details</Tabs.Tab>
              <Tabs.Tab value="provenance">Source and versions</Tabs.Tab>
              <Tabs.Tab value="json">Raw JSON</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="fields" pt="sm">
              <FhirElements value={record.data} pid={pid} />
            </Tabs.Panel>
            <Tabs.Panel value="provenance" pt="sm">
              {provenance.loading && <Loading />}
              <ErrorNote error={provenance.error} title="The provenance cannot be shown" />
              {provenance.data && versions.length === 0 && <Empty>No versions recorded.</Empty>}
              {versions.length > 0 && (
                <div style={{ overflowX: 'auto' }}>
                  <Table striped aria-label="Versions">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Version</Table.Th>
                        <Table.Th>Updated</Table.Th>
                        <Table.Th>Source</Table.Th>
                        <Table.Th>Import</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {[...versions].reverse().map((version) => (
                        <Table.Tr key={version.versionId}>
                          <Table.Td>
                            {version.versionId} {version.deleted && <Badge color="red">deleted</Badge>}
                          </Table.Td>
                          <Table.Td>{formatDate(version.lastUpdated)}</Table.Td>
                          <Table.Td>
                            {version.source ? `${version.source.label} (${version.source.kind})` : '—'}
                            {version.origin && (
                              <Text size="xs" c="dimmed">
                                {version.origin}
                              </Text>
                            )}
                          </Table.Td>
                          <Table.Td>{version.importId ?? '—'}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </div>
              )}
            </Tabs.Panel>
            <Tabs.Panel value="json" pt="sm">
              <Code block data-testid="raw-json" style={{ maxHeight: '70vh', overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                {JSON.stringify(record.data, null, 2)}
              </Code>
            </Tabs.Panel>
          </Tabs>
        </>
      )}
    </Stack>
  );
}
