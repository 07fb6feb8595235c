import { Breadcrumbs, Button, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { get, seg } from '../api.ts';
import { label } from '../fhir/render.tsx';
import { summarise, type Json } from '../fhir/summarise.ts';
import { formatDate } from '../format.ts';
import { Link } from '../router.tsx';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';
import { hasDate, listQuery, statusesOf, type ListFilters } from './list-query.ts';

interface Source {
  id: string;
  kind: string;
  label: string;
}
interface Item {
  resource: Json;
  source: Source | null;
  others: { resource: Json; source: Source | null }[];
}
interface ListPage {
  total: number;
  next?: string;
  items: Item[];
}

const PAGE_SIZE = 20;
const EMPTY: ListFilters = { text: '', status: '', from: '', to: '', sort: 'newest' };

/** The clinical date a list shows for a record (the first of the usual date elements). */
function dateOf(resource: Json): string | undefined {
  for (const key of ['effectiveDateTime', 'onsetDateTime', 'authoredOn', 'occurrenceDateTime', 'performedDateTime', 'recordedDate', 'date', 'created', 'issued']) {
    if (typeof resource[key] === 'string') return resource[key] as string;
  }
  const period = (resource.performedPeriod ?? resource.period ?? resource.effectivePeriod) as { start?: string } | undefined;
  return period?.start;
}

function RecordLink({ pid, resource }: { pid: string; resource: Json }) {
  return (
    <Link to={`/people/${seg(pid)}/records/${seg(String(resource.resourceType))}/${seg(String(resource.id))}`} fw={500} data-record={String(resource.id)}>
      {summarise(resource)}
    </Link>
  );
}

function Row({ pid, item }: { pid: string; item: Item }) {
  const [open, setOpen] = useState(false);
  const date = dateOf(item.resource);
  const sources = 1 + item.others.length;
  return (
    <Paper withBorder p="sm" component="li">
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <div>
          <RecordLink pid={pid} resource={item.resource} />
          <Text size="xs" c="dimmed">
            {[date && formatDate(date), typeof item.resource.status === 'string' ? item.resource.status : undefined, item.source?.label].filter(Boolean).join(' · ')}
          </Text>
        </div>
        {sources > 1 && (
          <Button size="compact-xs" variant="default" onClick={() => setOpen((o) => !o)} aria-expanded={open} data-testid="sources-badge">
            {sources} sources
          </Button>
        )}
      </Group>
      {sources > 1 && open && (
        <>
          <Stack gap={4} mt="xs" component="ul" p={0} style={{ listStyle: 'none' }} aria-label="The same record from each source">
            {[item, ...item.others].map((entry) => (
              <li key={String(entry.resource.id)}>
                <Text size="sm">
                  {entry.source?.label ?? 'Unknown source'}: <RecordLink pid={pid} resource={entry.resource} />
                </Text>
              </li>
            ))}
          </Stack>
        </>
      )}
    </Paper>
  );
}

/** One type's records with filters and sorting; the same fact from two sources shows once ("2 sources"). */
export function BrowseListPage({ pid, type }: { pid: string; type: string }) {
  const [draft, setDraft] = useState<ListFilters>(EMPTY);
  const [pages, setPages] = useState<{ key: string; stack: string[] }>({ key: '', stack: [] });
  const first = `/api/people/${seg(pid)}/lists/${seg(type)}?${listQuery(type, EMPTY, PAGE_SIZE)}`;
  const [applied, setApplied] = useState({ type, url: first });
  const base = applied.type === type ? applied.url : first;
  const stack = pages.key === base ? pages.stack : [];
  const url = stack[stack.length - 1] ?? base;
  const page = useLoad(url, () => get<ListPage>(url));
  const statuses = statusesOf(type);
  const nextUrl = page.data?.next ? `/api/people/${seg(pid)}/lists/${seg(type)}?${page.data.next.slice(page.data.next.indexOf('?') + 1)}` : undefined;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied({ type, url: `/api/people/${seg(pid)}/lists/${seg(type)}?${listQuery(type, draft, PAGE_SIZE)}` });
  };
  const field = (key: keyof ListFilters) => ({
    value: draft[key],
    onChange: (event: { currentTarget: { value: string } }) => setDraft({ ...draft, [key]: event.currentTarget.value }),
  });

  return (
    <Stack maw={900}>
      <Breadcrumbs>
        <Link to={`/people/${seg(pid)}/records`}>Records</Link>
        <Text span>{label(type)}</Text>
      </Breadcrumbs>
      <Title order={1} size="h2">
        {label(type)}
      </Title>
      <form onSubmit={apply} aria-label="Filters">
        <Group align="flex-end" gap="xs">
          <TextInput label="Text" placeholder="Words in the record" {...field('text')} w={180} />
          {statuses.length > 0 && <NativeSelect label="Status" data={[{ value: '', label: 'Any' }, ...statuses]} {...field('status')} />}
          <TextInput label={hasDate(type) ? 'From' : 'Updated from'} type="date" {...field('from')} />
          <TextInput label="To" type="date" {...field('to')} />
          <NativeSelect
            label="Sort"
            data={[
              { value: 'newest', label: 'Newest first' },
              { value: 'oldest', label: 'Oldest first' },
              { value: 'updated', label: 'Recently updated' },
            ]}
            {...field('sort')}
          />
          <Button type="submit">Apply</Button>
        </Group>
      </form>
      {page.loading && <Loading />}
      <ErrorNote error={page.error} title="This list cannot be shown" />
      {page.data && !page.loading && (
        <>
          <Text size="sm" c="dimmed" data-testid="list-total">
            {page.data.total} record{page.data.total === 1 ? '' : 's'}
            {page.data.total > PAGE_SIZE ? ` · page ${stack.length + 1} of ${Math.ceil(page.data.total / PAGE_SIZE)}` : ''}
          </Text>
          {page.data.items.length === 0 ? (
            <Empty>No {label(type).toLowerCase()} records{draft === EMPTY ? '' : ' match these filters'}.</Empty>
          ) : (
            <Stack gap={6} component="ol" p={0} m={0} style={{ listStyle: 'none' }} aria-label={`${label(type)} records`}>
              {page.data.items.map((item) => (
                <Row key={String(item.resource.id)} pid={pid} item={item} />
              ))}
            </Stack>
          )}
          {(nextUrl || stack.length > 0) && (
            <Group>
              <Button variant="default" disabled={stack.length === 0} onClick={() => setPages({ key: base, stack: stack.slice(0, -1) })}>
                Previous
              </Button>
              <Button variant="default" disabled={!nextUrl} onClick={() => nextUrl && setPages({ key: base, stack: [...stack, nextUrl] })}>
                Next
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
