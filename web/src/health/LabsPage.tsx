import { Badge, Button, Grid, Group, NavLink, Paper, ScrollArea, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense, useRef, useState } from 'react';
import { seg } from '../api.ts';
import { navigate } from '../router.tsx';
import { usePerson } from '../session.tsx';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';
import { Card, day, FlagBadge } from './parts.tsx';
import { getHealth, healthApi, LAB_FIRST, LAB_MOST } from './prefetch.ts';
import type { LabOverview, LabTestDetail } from './types.ts';

const LabChart = lazy(() => import('./charts.tsx').then((module) => ({ default: module.LabChart })));

function TestDetail({ pid, loinc }: { pid: string; loinc: string }) {
  // The newest results first (what one screen shows, quickly); all of them when the person asks.
  const [all, setAll] = useState(false);
  const loaded = useLoad(`lab:${pid}:${loinc}:${all ? 'all' : 'first'}`, () => getHealth<LabTestDetail>(healthApi.labTest(pid, loinc, all ? undefined : LAB_FIRST)));
  // While all results load, the newest stay on screen.
  const last = useRef<LabTestDetail | undefined>(undefined);
  if (loaded.data) last.current = loaded.data;
  const detail = loaded.data ?? last.current;
  if (loaded.loading && !detail) return <Loading label="Loading results…" />;
  if (!detail) return <ErrorNote error={loaded.error} title="These results cannot be shown" />;
  const sourceCount = Object.keys(detail.sources).length;
  const count = detail.series.reduce((sum, series) => sum + series.points.length, detail.other.length);
  const more = detail.total > count;
  return (
    <Stack data-lab-detail={detail.loinc}>
      <Title order={2} size="h3">
        {detail.name}{' '}
        <Text span c="dimmed" size="sm">
          LOINC {detail.loinc} · {detail.panel.name}
        </Text>
      </Title>
      {more && (
        <Group gap="sm">
          <Text size="sm">
            The newest {count} of {detail.total} results.
          </Text>
          {(!all || loaded.loading) && (
            <Button size="xs" variant="light" loading={all && loaded.loading} onClick={() => setAll(true)}>
              {detail.total > LAB_MOST ? `Show the newest ${LAB_MOST}` : `Show all ${detail.total}`}
            </Button>
          )}
        </Group>
      )}
      {all && <ErrorNote error={loaded.error} title="The other results cannot be shown" />}
      {detail.series.map((series) => (
        <Card key={series.unit} title={`Results in ${series.unit}`} id={`unit-${series.unit.replace(/\W+/g, '-')}`}>
          {detail.series.length > 1 && (
            <Text size="sm">These results are in a unit that cannot be converted into the others without more information (such as a molecular weight), so they are shown apart.</Text>
          )}
          <Suspense fallback={<Skeleton height={220} />}>
            <LabChart name={detail.name} unit={series.unit} points={series.points} />
          </Suspense>
          <ScrollArea.Autosize mah={360} viewportProps={{ tabIndex: 0, 'aria-label': `${detail.name} results in ${series.unit}` }}>
            <Table striped withTableBorder stickyHeader>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Date</Table.Th>
                  <Table.Th>Value ({series.unit})</Table.Th>
                  <Table.Th>Reference range</Table.Th>
                  <Table.Th>Flag</Table.Th>
                  {sourceCount > 0 && <Table.Th>Source</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {[...series.points].reverse().map((point) => (
                  <Table.Tr key={point.id}>
                    <Table.Td>{day(point.date)}</Table.Td>
                    <Table.Td>
                      {point.value}
                      {point.reported && (
                        <Text span size="xs" c="dimmed">
                          {' '}
                          (reported as {point.reported})
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{point.low !== undefined || point.high !== undefined ? `${point.low ?? ''}–${point.high ?? ''}` : ''}</Table.Td>
                    <Table.Td>
                      <FlagBadge flag={point.flag} />
                    </Table.Td>
                    {sourceCount > 0 && <Table.Td>{point.sourceId ? detail.sources[point.sourceId] : ''}</Table.Td>}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        </Card>
      ))}
      {detail.other.length > 0 && (
        <Card title="Results without a number">
          {detail.other.map((result) => (
            <Text key={result.id} size="sm">
              {day(result.date)}: {result.value ?? '(no value)'} <FlagBadge flag={result.flag} />
            </Text>
          ))}
        </Card>
      )}
    </Stack>
  );
}

/** Lab results grouped by panel and test, each test with its trend, range, flags and sources (issue 5 §3). */
export function LabsPage({ pid, loinc }: { pid: string; loinc?: string }) {
  const person = usePerson(pid);
  const loaded = useLoad(`labs:${pid}`, () => getHealth<LabOverview>(healthApi.labs(pid)));
  const overview = loaded.data;
  const selected = loinc ?? overview?.panels[0]?.tests[0]?.loinc;
  return (
    <Stack maw={1200} data-page="labs" data-ready={overview ? 'true' : undefined}>
      <Title order={1} size="h2">
        Lab results of {person?.name}
      </Title>
      {loaded.loading && !overview && <Loading label="Gathering lab results…" />}
      <ErrorNote error={loaded.error} title="The lab results cannot be shown" />
      {overview && overview.panels.length === 0 && <Empty>No lab results yet.</Empty>}
      {overview && overview.panels.length > 0 && (
        <Grid>
          <Grid.Col span={{ base: 12, md: 4 }}>
            <Paper withBorder p="xs" component="nav" aria-label="Lab tests">
              {overview.panels.map((panel) => (
                <Stack key={panel.key} gap={0} mb="sm" data-panel={panel.key}>
                  <Text fw={700} size="sm" px="xs" component="h2" m={0}>
                    {panel.name}
                  </Text>
                  {panel.tests.map((test) => (
                    <NavLink
                      key={test.loinc}
                      href={`/people/${seg(pid)}/labs/${seg(test.loinc)}`}
                      active={test.loinc === selected}
                      variant="filled"
                      // The description's dimmed colour is too faint on the filled (active) background.
                      styles={{ description: { color: 'inherit', opacity: 1 } }}
                      aria-current={test.loinc === selected ? 'page' : undefined}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate(`/people/${seg(pid)}/labs/${seg(test.loinc)}`);
                      }}
                      label={test.name}
                      description={`${test.latest?.value ?? ''}${test.latest?.date ? ` · ${day(test.latest.date)}` : ''}`}
                      rightSection={
                        test.latest?.flag ? (
                          <FlagBadge flag={test.latest.flag} />
                        ) : (
                          <Badge variant="outline" size="sm" aria-label={`${test.count} results`}>
                            {test.count}
                          </Badge>
                        )
                      }
                      data-loinc={test.loinc}
                    />
                  ))}
                </Stack>
              ))}
            </Paper>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 8 }}>{selected && <TestDetail key={selected} pid={pid} loinc={selected} />}</Grid.Col>
        </Grid>
      )}
    </Stack>
  );
}
