import { Badge, Group, Paper, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { get, seg } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import { usePerson } from '../session.tsx';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';
import { label } from '../fhir/render.tsx';

interface Summary {
  total: number;
  counts: Record<string, number>;
}

/** A person's records by type, with counts: the start of the records browser. */
export function RecordsPage({ pid }: { pid: string }) {
  const person = usePerson(pid);
  const summary = useLoad(`summary:${pid}`, () => get<Summary>(`/api/people/${seg(pid)}/summary`));
  const types = Object.entries(summary.data?.counts ?? {})
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  return (
    <Stack maw={900}>
      <Title order={1} size="h2">
        Records of {person?.name}
      </Title>
      {summary.loading && !summary.data && <Loading label="Counting records…" />}
      <ErrorNote error={summary.error} title="The records cannot be listed" />
      {summary.data && (
        <>
          <Text c="dimmed" size="sm">
            {summary.data.total} record{summary.data.total === 1 ? '' : 's'} in {types.length} type{types.length === 1 ? '' : 's'}
          </Text>
          {types.length === 0 ? (
            <Empty>
              No records yet. <Link to={`/people/${seg(pid)}/upload`}>Upload a file</Link> to import some.
            </Empty>
          ) : (
            <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Record types">
              {types.map(([type, count]) => (
                <li key={type}>
                  <Paper withBorder>
                    <UnstyledButton
                      component="a"
                      href={`/people/${seg(pid)}/records/${seg(type)}`}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate(`/people/${seg(pid)}/records/${seg(type)}`);
                      }}
                      px="md"
                      py="sm"
                      display="block"
                      data-type={type}
                    >
                      <Group justify="space-between" wrap="nowrap">
                        <Text fw={500}>{label(type)}</Text>
                        <Badge variant="outline" aria-label={`${count} records`}>
                          {count}
                        </Badge>
                      </Group>
                    </UnstyledButton>
                  </Paper>
                </li>
              ))}
            </Stack>
          )}
        </>
      )}
    </Stack>
  );
}
