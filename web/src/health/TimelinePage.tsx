import { Badge, Button, Checkbox, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { seg } from '../api.ts';
import { label as typeLabel } from '../fhir/render.tsx';
import { Link } from '../router.tsx';
import { usePerson } from '../session.tsx';
import { Empty, ErrorNote, Loading } from '../ui.tsx';
import { day, FlagBadge } from './parts.tsx';
import { getHealth, healthApi, TIMELINE_PAGE } from './prefetch.ts';
import type { TimelinePage as Page, TimelineVisit } from './types.ts';

const TYPES = ['Condition', 'Procedure', 'MedicationRequest', 'Observation', 'DiagnosticReport', 'DocumentReference', 'Immunization'] as const;
const PAGE = TIMELINE_PAGE;
/** Items shown per type in a visit before "and N more" (a visit with 40 lab results stays readable). */
const PER_TYPE = 4;

/** WCAG 2.2 §2.5.8: stacked links get at least a 24 px target each. */
const TARGET = { display: 'inline-block', minHeight: 24, lineHeight: '24px' } as const;

interface Filters {
  types: string[];
  from: string;
  to: string;
  source: string;
}

function VisitCard({ visit, pid, sourceLabel }: { visit: TimelineVisit; pid: string; sourceLabel: string | undefined }) {
  const groups = new Map<string, TimelineVisit['items']>();
  for (const item of visit.items) groups.set(item.type, [...(groups.get(item.type) ?? []), item]);
  return (
    <Paper withBorder p="sm" component="article" aria-label={`${visit.label}, ${day(visit.date)}`}>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Group gap="xs">
          <Text fw={700} component="h2" size="md" m={0}>
            <Link to={`/people/${seg(pid)}/records/Encounter/${seg(visit.id)}`}>{visit.label}</Link>
          </Text>
          {visit.kind && <Badge variant="outline">{visit.kind}</Badge>}
        </Group>
        <Text size="sm">
          {day(visit.date)}
          {visit.where ? ` · ${visit.where}` : ''}
          {sourceLabel ? ` · from ${sourceLabel}` : ''}
        </Text>
      </Group>
      {[...groups.entries()].map(([type, items]) => (
        <Stack key={type} gap={0} mt={6}>
          <Text size="xs" fw={700} tt="uppercase" c="dimmed">
            {typeLabel(type)} ({items.length})
          </Text>
          {items.slice(0, PER_TYPE).map((item) => (
            <Group key={item.id} gap={6} wrap="wrap">
              <Link size="sm" style={TARGET} to={`/people/${seg(pid)}/records/${seg(item.type)}/${seg(item.id)}`}>
                {item.label}
              </Link>
              {item.value && <Text size="sm">{item.value}</Text>}
              <FlagBadge flag={item.flag} />
            </Group>
          ))}
          {items.length > PER_TYPE && (
            <Text size="xs" c="dimmed">
              and {items.length - PER_TYPE} more
            </Text>
          )}
        </Stack>
      ))}
    </Paper>
  );
}

/** Every visit in time order with what was recorded at it (issue 5 §2), virtualised and paged by cursor. */
export function TimelinePage({ pid }: { pid: string }) {
  const person = usePerson(pid);
  const [filters, setFilters] = useState<Filters>({ types: [], from: '', to: '', source: '' });
  const [visits, setVisits] = useState<TimelineVisit[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [meta, setMeta] = useState<Pick<Page, 'years' | 'sources'>>({});
  const [state, setState] = useState<{ loading: boolean; error?: unknown; loaded: boolean }>({ loading: true, loaded: false });
  const generation = useRef(0);

  const fetchPage = useCallback(
    async (cursor: string | null) => {
      const mine = generation.current;
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (cursor) query.set('cursor', cursor);
      if (filters.types.length > 0) query.set('types', filters.types.join(','));
      if (filters.from) query.set('from', filters.from);
      if (filters.to) query.set('to', filters.to);
      if (filters.source) query.set('source', filters.source);
      setState((current) => ({ ...current, loading: true }));
      try {
        const page = await getHealth<Page>(healthApi.timeline(pid, query));
        if (mine !== generation.current) return; // the filters changed meanwhile
        setVisits((current) => (cursor ? [...current, ...page.visits] : page.visits));
        setNext(page.next);
        if (!cursor) setMeta((current) => ({ years: page.years ?? current.years, sources: page.sources ?? current.sources }));
        setState({ loading: false, loaded: true });
      } catch (error) {
        if (mine === generation.current) setState({ loading: false, loaded: true, error });
      }
    },
    [pid, filters],
  );

  useEffect(() => {
    generation.current += 1;
    setVisits([]);
    setNext(null);
    void fetchPage(null);
  }, [fetchPage]);

  const listRef = useRef<HTMLDivElement>(null);
  const virtualizer = useWindowVirtualizer({
    count: visits.length,
    estimateSize: () => 180,
    overscan: 4,
    scrollMargin: listRef.current?.offsetTop ?? 0,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;
  useEffect(() => {
    if (next && !state.loading && lastIndex >= visits.length - 5) void fetchPage(next);
  }, [lastIndex, next, state.loading, visits.length, fetchPage]);

  const sourceLabels = new Map((meta.sources ?? []).map((source) => [source.id, source.label]));

  return (
    <Stack maw={900} data-page="timeline" data-ready={state.loaded && !state.error && !state.loading ? 'true' : undefined}>
      <Title order={1} size="h2">
        Timeline of {person?.name}
      </Title>
      <Paper withBorder p="sm" component="form" aria-label="Filter the timeline" onSubmit={(event) => event.preventDefault()}>
        <Stack gap="xs">
          <Checkbox.Group label="Show these records with each visit (none ticked: all)" value={filters.types} onChange={(types) => setFilters((f) => ({ ...f, types }))}>
            <Group gap="sm" mt={4}>
              {TYPES.map((type) => (
                <Checkbox key={type} value={type} label={typeLabel(type)} />
              ))}
            </Group>
          </Checkbox.Group>
          <Group gap="sm" align="end" wrap="wrap">
            <TextInput label="From" type="date" value={filters.from} onChange={(event) => setFilters((f) => ({ ...f, from: event.currentTarget.value }))} />
            <TextInput label="To" type="date" value={filters.to} onChange={(event) => setFilters((f) => ({ ...f, to: event.currentTarget.value }))} />
            <NativeSelect
              label="Jump to a year"
              value=""
              onChange={(event) => {
                const year = event.currentTarget.value;
                if (year) setFilters((f) => ({ ...f, from: '', to: `${year}-12-31` }));
              }}
              data={[{ value: '', label: 'Choose…' }, ...(meta.years ?? []).map((y) => ({ value: String(y.year), label: `${y.year} (${y.count})` }))]}
            />
            <NativeSelect
              label="Source"
              value={filters.source}
              onChange={(event) => setFilters((f) => ({ ...f, source: event.currentTarget.value }))}
              data={[{ value: '', label: 'All sources' }, ...(meta.sources ?? []).map((s) => ({ value: s.id, label: s.label }))]}
            />
            <Button variant="default" onClick={() => setFilters({ types: [], from: '', to: '', source: '' })}>
              Clear
            </Button>
          </Group>
        </Stack>
      </Paper>
      <ErrorNote error={state.error} title="The timeline cannot be shown" />
      {state.loaded && !state.error && visits.length === 0 && <Empty>No visits match.</Empty>}
      <div ref={listRef} style={{ height: virtualizer.getTotalSize(), position: 'relative' }} role="feed" aria-busy={state.loading} aria-label="Visits">
        {items.map((item) => {
          const visit = visits[item.index]!;
          return (
            <div
              key={visit.id}
              data-index={item.index}
              ref={virtualizer.measureElement}
              style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)`, paddingBottom: 12 }}
            >
              <VisitCard visit={visit} pid={pid} sourceLabel={visit.sourceId ? sourceLabels.get(visit.sourceId) : undefined} />
            </div>
          );
        })}
      </div>
      {state.loading && <Loading label="Loading visits…" />}
    </Stack>
  );
}
