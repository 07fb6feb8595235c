import { Breadcrumbs, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { get, seg } from '../api.ts';
import { summarise, type Json } from '../fhir/summarise.ts';
import { Link } from '../router.tsx';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';
import { formatDate } from '../format.ts';

interface Bundle {
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { resource?: Json; search?: { mode?: string } }[];
}

const PAGE_SIZE = 20;

/** A same-origin path from a Bundle link (absolute or relative); anything else is not followed. */
function samePath(url: string): string | undefined {
  try {
    const parsed = new URL(url, window.location.origin);
    return parsed.origin === window.location.origin ? parsed.pathname + parsed.search : undefined;
  } catch {
    return undefined;
  }
}

/** One type's records, newest first, a page at a time, following the searchset's next/previous links. */
export function RecordListPage({ pid, type }: { pid: string; type: string }) {
  const firstPage = `/fhir/${seg(pid)}/${seg(type)}?_count=${PAGE_SIZE}&_sort=-_lastUpdated`;
  const [page, setPage] = useState({ type, url: firstPage, number: 1 });
  const current = page.type === type ? page : { type, url: firstPage, number: 1 };
  const bundle = useLoad(current.url, () => get<Bundle>(current.url));
  const link = (relation: string) => {
    const url = bundle.data?.link?.find((candidate) => candidate.relation === relation)?.url;
    return url ? samePath(url) : undefined;
  };
  const next = link('next');
  const previous = link('previous') ?? link('prev');
  const matches = (bundle.data?.entry ?? []).filter((entry) => entry.resource && entry.search?.mode !== 'include');
  const total = bundle.data?.total;

  return (
    <Stack maw={900}>
      <Breadcrumbs>
        <Link to={`/people/${seg(pid)}/records`}>Records</Link>
        <Text span>{type}</Text>
      </Breadcrumbs>
      <Title order={1} size="h2">
        {type}
      </Title>
      {bundle.loading && <Loading />}
      <ErrorNote error={bundle.error} title="This list cannot be shown" />
      {bundle.data && !bundle.loading && (
        <>
          {total !== undefined && (
            <Text size="sm" c="dimmed">
              {total} record{total === 1 ? '' : 's'}
              {total > PAGE_SIZE ? ` · page ${current.number} of ${Math.ceil(total / PAGE_SIZE)}` : ''}
            </Text>
          )}
          {matches.length === 0 ? (
            <Empty>No {type} records.</Empty>
          ) : (
            <Stack gap={6} component="ol" p={0} m={0} style={{ listStyle: 'none' }} aria-label={`${type} records`}>
              {matches.map(({ resource }) => {
                const id = String(resource!.id);
                const updated = (resource!.meta as { lastUpdated?: string } | undefined)?.lastUpdated;
                return (
                  <li key={id}>
                    <Paper withBorder p="sm">
                      <Link to={`/people/${seg(pid)}/records/${seg(type)}/${seg(id)}`} fw={500} data-record={id}>
                        {summarise(resource!)}
                      </Link>
                      {updated && (
                        <Text size="xs" c="dimmed">
                          updated {formatDate(updated)}
                        </Text>
                      )}
                    </Paper>
                  </li>
                );
              })}
            </Stack>
          )}
          {(next || previous) && (
            <Group>
              <Button variant="default" disabled={!previous} onClick={() => previous && setPage({ type, url: previous, number: current.number - 1 })}>
                Previous
              </Button>
              <Button variant="default" disabled={!next} onClick={() => next && setPage({ type, url: next, number: current.number + 1 })}>
                Next
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
