import { Badge, Button, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { get, seg } from '../api.ts';
import { label } from '../fhir/render.tsx';
import { summarise, type Json } from '../fhir/summarise.ts';
import { formatDate } from '../format.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { usePerson } from '../session.tsx';
import { Empty, ErrorNote, Loading, useLoad } from '../ui.tsx';

interface Group {
  type: string;
  total: number;
  resources: { resource: Json; source: { label: string } | null }[];
}

const FIELDS = ['q', 'type', 'from', 'to', 'code', 'source'] as const;
type Field = (typeof FIELDS)[number];

/**
 * The one search box: words across every record (the server's FTS5 index) plus type, date and code
 * filters, results grouped by type. The query lives in the address, so a search can be bookmarked
 * and the back button works.
 */
export default function SearchPage({ pid }: { pid: string }) {
  const person = usePerson(pid);
  const { query } = useLocation();
  const current = Object.fromEntries(FIELDS.map((field) => [field, query.get(field) ?? ''])) as Record<Field, string>;
  const [draft, setDraft] = useState(current);
  const types = useLoad(`summary:${pid}`, () => get<{ counts: Record<string, number> }>(`/api/people/${seg(pid)}/summary`));
  const sources = useLoad(`sources:${pid}`, () => get<{ sources: { id: string; label: string }[] }>(`/api/people/${seg(pid)}/sources`));
  const asked = new URLSearchParams(Object.entries(current).filter(([, value]) => value !== '')).toString();
  const url = asked ? `/api/people/${seg(pid)}/find?${asked}` : null;
  const results = useLoad(url, () => get<{ groups: Group[] }>(url!));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams(Object.entries(draft).filter(([, value]) => value.trim() !== '')).toString();
    navigate(`/people/${seg(pid)}/search${next ? `?${next}` : ''}`);
  };
  const field = (key: Field) => ({ value: draft[key], onChange: (event: { currentTarget: { value: string } }) => setDraft({ ...draft, [key]: event.currentTarget.value }) });
  const typeOptions = Object.keys(types.data?.counts ?? {}).sort().map((type) => ({ value: type, label: label(type) }));

  return (
    <Stack maw={900}>
      <Title order={1} size="h2">
        Search the records of {person?.name}
      </Title>
      <form onSubmit={submit} role="search" aria-label="Search records">
        <Stack gap="xs">
          <Group align="flex-end" gap="xs">
            <TextInput label="Words" placeholder="e.g. glucose, penicillin, discharge" {...field('q')} style={{ flex: 1 }} miw={220} data-autofocus />
            <Button type="submit">Search</Button>
          </Group>
          <Group align="flex-end" gap="xs">
            <NativeSelect label="Type" data={[{ value: '', label: 'All types' }, ...typeOptions]} {...field('type')} />
            <TextInput label="From" type="date" {...field('from')} />
            <TextInput label="To" type="date" {...field('to')} />
            <TextInput label="Code" placeholder="e.g. 2345-7" {...field('code')} w={140} />
            <NativeSelect label="Source" data={[{ value: '', label: 'All sources' }, ...(sources.data?.sources ?? []).map((source) => ({ value: source.id, label: source.label }))]} {...field('source')} />
          </Group>
        </Stack>
      </form>
      {url === null && <Empty>Type some words or choose a filter.</Empty>}
      {url !== null && results.loading && <Loading label="Searching…" />}
      <ErrorNote error={results.error} title="The search did not work" />
      {url !== null && results.data && !results.loading && (
        <Stack gap="md" data-testid="search-results">
          {results.data.groups.length === 0 && <Empty>Nothing found.</Empty>}
          {results.data.groups.map((group) => (
            <section key={group.type} aria-label={label(group.type)}>
              <Group gap="xs" mb={4}>
                <Title order={2} size="h4">
                  {label(group.type)}
                </Title>
                <Badge variant="outline">{group.total}</Badge>
              </Group>
              <Stack gap={4} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
                {group.resources.map(({ resource, source }) => (
                  <Paper withBorder p="xs" component="li" key={String(resource.id)}>
                    <Link to={`/people/${seg(pid)}/records/${seg(group.type)}/${seg(String(resource.id))}`} data-record={String(resource.id)}>
                      {summarise(resource)}
                    </Link>
                    <Text size="xs" c="dimmed">
                      {[formatDate((resource.meta as { lastUpdated?: string } | undefined)?.lastUpdated), source?.label].filter(Boolean).join(' · ')}
                    </Text>
                  </Paper>
                ))}
              </Stack>
              {group.total > group.resources.length && (
                <Text size="sm" mt={4}>
                  <Link to={`/people/${seg(pid)}/records/${seg(group.type)}`}>All {label(group.type).toLowerCase()} records</Link>
                </Text>
              )}
            </section>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
