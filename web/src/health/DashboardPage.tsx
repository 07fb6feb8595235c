import { Alert, Badge, Group, List, SimpleGrid, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { seg } from '../api.ts';
import { Link } from '../router.tsx';
import { usePerson } from '../session.tsx';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';
import { Card, day, FlagBadge } from './parts.tsx';
import { getHealth, healthApi } from './prefetch.ts';
import type { Dashboard, Item } from './types.ts';

// Alert titles take the alert's colour, too light on its tinted background for WCAG AA contrast.
const TITLE_CONTRAST = { title: { color: 'var(--mantine-color-text)' } };

const TrendChart = lazy(() => import('./charts.tsx'));

function Items({ items, empty, pid }: { items: Item[]; empty: string; pid: string }) {
  if (items.length === 0) return <Empty>{empty}</Empty>;
  return (
    <List spacing={4} listStyleType="none" p={0}>
      {items.map((item) => (
        <List.Item key={`${item.type}/${item.id}`}>
          <Group gap={6} wrap="wrap">
            <Link to={`/people/${seg(pid)}/records/${seg(item.type)}/${seg(item.id)}`}>{item.label}</Link>
            {item.detail && (
              <Text span size="sm">
                {item.detail}
              </Text>
            )}
            <FlagBadge flag={item.flag} />
            {item.date && (
              <Text span size="xs" c="dimmed">
                {day(item.date)}
              </Text>
            )}
          </Group>
        </List.Item>
      ))}
    </List>
  );
}

/** A person's health at a glance (issue 5 §1). */
export function DashboardPage({ pid }: { pid: string }) {
  const person = usePerson(pid);
  const loaded = useLoad(`dashboard:${pid}`, () => getHealth<Dashboard>(healthApi.dashboard(pid)));
  const data = loaded.data;
  return (
    <Stack maw={1100} data-page="dashboard" data-ready={data ? 'true' : undefined}>
      <Title order={1} size="h2">
        Health of {person?.name}
      </Title>
      {loaded.loading && !data && <Loading label="Gathering the summary…" />}
      <ErrorNote error={loaded.error} title="The summary cannot be shown" />
      {data && (
        <>
          {data.sources
            .filter((source) => source.failed)
            .map((source) => (
              <Alert key={source.sourceId} color="orange" styles={TITLE_CONTRAST} title={`The last import from “${source.label}” failed`} role="alert">
                Records from this source may be incomplete (started {day(source.lastImport.startedAt)}).
              </Alert>
            ))}
          <Alert color={data.allergies.length > 0 ? 'red' : 'gray'} styles={TITLE_CONTRAST} title="Allergies" variant={data.allergies.length > 0 ? 'light' : 'outline'} aria-live="off">
            {data.allergies.length === 0 ? (
              <Text size="sm">No allergies recorded.</Text>
            ) : (
              <List spacing={2}>
                {data.allergies.map((allergy) => (
                  <List.Item key={allergy.id}>
                    <Text span fw={700}>
                      {allergy.label}
                    </Text>
                    {allergy.reactions.length > 0 && <Text span> — {allergy.reactions.join(', ')}</Text>}
                    {allergy.criticality === 'high' && (
                      <Badge ml="xs" color="red.9" size="sm">
                        High risk
                      </Badge>
                    )}
                  </List.Item>
                ))}
              </List>
            )}
          </Alert>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card title="Active problems">
              <Items items={data.problems} empty="No active problems recorded." pid={pid} />
            </Card>
            <Card title="Current medications">
              <Items items={data.medications} empty="No current medications recorded." pid={pid} />
            </Card>
            <Card title="Recent lab results">
              <Items items={data.recentLabs} empty="No lab results yet." pid={pid} />
              {data.recentLabs.length > 0 && <Link to={`/people/${seg(pid)}/labs`}>All lab results</Link>}
            </Card>
            <Card title="Recent visits">
              <Items items={data.visits} empty="No visits recorded." pid={pid} />
              {data.visits.length > 0 && <Link to={`/people/${seg(pid)}/timeline`}>The whole timeline</Link>}
            </Card>
          </SimpleGrid>
          {data.trends.length > 0 && (
            <Card title="Trends">
              <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
                {data.trends.map((trend) => (
                  <Stack key={trend.key} gap={2}>
                    <Text fw={600} size="sm">
                      {trend.name}{' '}
                      <Text span c="dimmed" size="xs">
                        ({trend.unit})
                      </Text>
                    </Text>
                    <Suspense fallback={<Skeleton height={140} />}>
                      <TrendChart trend={trend} />
                    </Suspense>
                  </Stack>
                ))}
              </SimpleGrid>
            </Card>
          )}
          <Card title="Immunisations">
            {data.immunisations.due.length > 0 && (
              <Table striped withTableBorder>
                <Table.Caption>Typically due by a common schedule (not medical advice: ask your clinician)</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Vaccine</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Rule</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.immunisations.due.map((due) => (
                    <Table.Tr key={due.key} data-due={due.status}>
                      <Table.Td>{due.name}</Table.Td>
                      <Table.Td>
                        {due.status === 'due' ? (
                          <Badge color="red.9">Typically due</Badge>
                        ) : (
                          <Badge color="teal.9" variant="filled">
                            Up to date
                          </Badge>
                        )}{' '}
                        <Text span size="xs">
                          {due.dosesNeeded !== undefined ? `${due.dosesGiven} of ${due.dosesNeeded} doses recorded` : due.nextDue ? `next ${due.nextDue}` : ''}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{due.rule}</Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            <Title order={3} size="h5">
              Given
            </Title>
            <Items items={data.immunisations.given.slice(0, 10)} empty="No immunisations recorded." pid={pid} />
          </Card>
          <Card title="Sources">
            {data.sources.length === 0 ? (
              <Empty>Nothing imported yet.</Empty>
            ) : (
              <List spacing={2} listStyleType="none" p={0}>
                {data.sources.map((source) => (
                  <List.Item key={source.sourceId}>
                    <Text span fw={500}>
                      {source.label}
                    </Text>{' '}
                    <Text span size="sm">
                      last import {day(source.lastImport.finishedAt ?? source.lastImport.startedAt)}: {source.lastImport.status === 'done' ? 'complete' : source.lastImport.status}
                    </Text>
                  </List.Item>
                ))}
              </List>
            )}
          </Card>
        </>
      )}
    </Stack>
  );
}
