import { Alert, Badge, Button, Card, Group, NativeSelect, Progress, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { api, get, post, put, seg } from '../api.ts';
import { useReauth } from '../reauth.tsx';
import { Link, navigate, useLocation } from '../router.tsx';
import { usePerson } from '../session.tsx';
import { Empty, ErrorNote, Loading, useAction, useLoad } from '../ui.tsx';
import type { Source as SourceSummary } from './DeletionSection.tsx';
import { connectErrorText, syncErrorText, syncIssueText } from './source-messages.ts';

interface SyncIssue { code: string; status?: number; count?: number }
interface SyncJob {
  id: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'partial' | 'cancelled';
  trigger: string;
  createdAt: number;
  finishedAt: number | null;
  error: string | null;
  results: Record<string, { new: number; updated: number; unchanged: number; warnings: SyncIssue[]; errors: SyncIssue[] }>;
}
interface Source extends SourceSummary {
  sync: { status: string | null; lastSuccessAt: number | null; nextRunAt: number | null; intervalHours: number | null; lastJob: SyncJob | null } | null;
}
interface Progress { type: string; pages: number; received: number; step: number; steps: number }

// How often the schedule syncs a source (the server accepts 1–720 hours; default daily).
const INTERVALS: [number, string][] = [[6, 'every 6 hours'], [12, 'every 12 hours'], [24, 'daily'], [72, 'every 3 days'], [168, 'weekly']];
const intervalLabel = (hours: number) => INTERVALS.find(([h]) => h === hours)?.[1] ?? `every ${hours} hours`;

const when = (ms: number | null | undefined) => (ms ? new Date(ms).toLocaleString() : '—');
// Dark shades with filled badges: white text on them passes WCAG AA contrast (axe checks it).
// Mantine's darkest orange (orange.9, #d9480f) is 3.96:1 with white, under AA's 4.5: a darker one.
const STATE_COLOR: Record<string, string> = { succeeded: 'teal.9', partial: '#a63b00', failed: 'red.9', cancelled: 'gray.8', running: 'blue.9', queued: 'blue.9' };
// Alert titles take the alert's colour, too light on its tinted background for WCAG AA (as DashboardPage).
const TITLE_CONTRAST = { title: { color: 'var(--mantine-color-text)' } };
const sum = (job: SyncJob, key: 'new' | 'updated' | 'unchanged') => Object.values(job.results).reduce((n, r) => n + r[key], 0);

/** One sync in words: its state and counts (issues are codes, never record content). */
function JobLine({ job }: { job: SyncJob }) {
  const problems = Object.entries(job.results).flatMap(([type, r]) => r.errors.map((e) => `${type}: ${syncIssueText(e.code)}`));
  return (
    <Text size="sm">
      <Badge color={STATE_COLOR[job.state] ?? 'gray.8'} variant="filled" mr="xs">{job.state}</Badge>
      {when(job.finishedAt ?? job.createdAt)} · {sum(job, 'new')} new, {sum(job, 'updated')} updated, {sum(job, 'unchanged')} unchanged
      {job.error ? ` · ${syncErrorText(job.error)}` : ''}
      {problems.length > 0 ? ` · ${problems.slice(0, 3).join(', ')}` : ''}
    </Text>
  );
}

/** A provider source: status, Sync now with live progress (server-sent events), history, reconnect, delete. */
function ProviderSource({ pid, source, canWrite, onChanged }: { pid: string; source: Source; canWrite: boolean; onChanged: () => void }) {
  const base = `/api/people/${seg(pid)}/sources/${seg(source.id)}`;
  const [progress, setProgress] = useState<Progress | null>(null);
  const [running, setRunning] = useState(source.sync?.lastJob?.state === 'running' || source.sync?.lastJob?.state === 'queued');
  const { error, run } = useAction();
  const [showHistory, setShowHistory] = useState(false);
  const history = useLoad(showHistory ? `${base}/syncs` : null, () => get<{ syncs: SyncJob[] }>(`${base}/syncs`));
  const status = source.sync?.status;
  // The latest callback, without re-opening the event stream on every render.
  const changed = useRef(onChanged);
  changed.current = onChanged;

  useEffect(() => {
    if (!running) return undefined;
    // The session cookie goes with it (same origin); the server checks access before the first event.
    const events = new EventSource(`${base}/sync/events`);
    const finished = () => {
      events.close();
      setRunning(false);
      setProgress(null);
      changed.current();
    };
    events.addEventListener('progress', (event) => setProgress(JSON.parse((event as MessageEvent<string>).data) as Progress));
    events.addEventListener('finished', finished);
    // The stream opens with the job's current state: a short sync may have ended before the
    // stream opened, and then no 'finished' event will ever come.
    events.addEventListener('status', (event) => {
      const job = JSON.parse((event as MessageEvent<string>).data) as SyncJob;
      if (job.state !== 'running' && job.state !== 'queued') finished();
    });
    events.onerror = () => events.close();
    return () => events.close();
  }, [running, base]);

  const syncNow = () =>
    run(async () => {
      await post(`${base}/sync`);
      setRunning(true);
    });
  const cancel = () => run(() => post(`${base}/sync/cancel`));
  const changeInterval = (intervalHours: number) =>
    run(async () => {
      await put(`${base}/schedule`, { intervalHours });
      changed.current();
    });
  const interval = source.sync?.intervalHours ?? 24;
  const intervalChoices = INTERVALS.some(([h]) => h === interval) ? INTERVALS : [...INTERVALS, [interval, intervalLabel(interval)] as [number, string]];
  const reconnect = () =>
    run(async () => {
      const answer = await post<{ authorizeUrl: string }>(`/api/sources/${seg(source.id)}/reconnect`);
      window.location.assign(answer.authorizeUrl);
    });

  return (
    <Stack gap={6}>
      <Group gap="xs">
        <Badge color={status === 'reconnect_needed' ? 'red.9' : status === 'connected' ? 'teal.9' : 'gray.8'} variant="filled">
          {status === 'reconnect_needed' ? 'Reconnect needed' : status === 'connected' ? 'Connected' : (status ?? 'Not connected')}
        </Badge>
        <Text size="sm" c="dimmed">Last success {when(source.sync?.lastSuccessAt)} · next {when(source.sync?.nextRunAt)}</Text>
      </Group>
      {source.sync?.lastJob && !running && <JobLine job={source.sync.lastJob} />}
      {running && (
        <div role="status" aria-live="polite">
          <Text size="sm">{progress ? `Syncing ${progress.type}: ${progress.received} records, ${progress.pages} pages` : 'Syncing…'}</Text>
          <Progress value={progress && progress.steps > 0 ? Math.min(100, (progress.step / progress.steps) * 100) : 5} animated aria-label="Sync progress" />
        </div>
      )}
      <ErrorNote error={error} />
      <Group gap="xs">
        {canWrite && !running && status !== 'reconnect_needed' && <Button size="compact-sm" onClick={() => void syncNow()}>Sync now</Button>}
        {canWrite && running && <Button size="compact-sm" variant="default" onClick={() => void cancel()}>Cancel sync</Button>}
        {canWrite && status === 'reconnect_needed' && <Button size="compact-sm" onClick={() => void reconnect()}>Reconnect</Button>}
        {canWrite ? (
          <NativeSelect
            size="xs"
            aria-label={`Sync ${source.label} automatically`}
            value={String(interval)}
            onChange={(event) => void changeInterval(Number(event.currentTarget.value))}
            data={intervalChoices.map(([hours, label]) => ({ value: String(hours), label: `Sync ${label}` }))}
          />
        ) : (
          <Text size="sm" c="dimmed">Syncs {intervalLabel(interval)}</Text>
        )}
        <Button size="compact-sm" variant="subtle" onClick={() => setShowHistory((shown) => !shown)} aria-expanded={showHistory}>
          {showHistory ? 'Hide history' : 'History'}
        </Button>
      </Group>
      {showHistory && (history.loading && !history.data ? <Loading /> : history.data && (history.data.syncs.length === 0 ? <Empty>No syncs yet.</Empty> : history.data.syncs.map((job) => <JobLine key={job.id} job={job} />)))}
    </Stack>
  );
}

/** A person's sources (issue 4 §5): providers with their sync state, file imports, manual entry. */
export function SourcesPage({ pid }: { pid: string }) {
  const person = usePerson(pid);
  const path = `/api/people/${seg(pid)}/sources`;
  const sources = useLoad(path, () => get<{ sources: Source[] }>(path));
  const reauth = useReauth();
  const [asking, setAsking] = useState<string | null>(null);
  const canWrite = person?.actions.includes('write') ?? false;
  const canDelete = person?.actions.includes('delete') ?? false;
  const reload = sources.reload;
  // The provider's redirect back lands here (smart-routes: ?connected=<sourceId> or ?error=<code>).
  const { query } = useLocation();
  const connectedId = query.get('connected');
  const connectError = query.get('error');
  const connected = connectedId ? sources.data?.sources.find((source) => source.id === connectedId) : undefined;
  const dismiss = () => navigate(`/people/${seg(pid)}/sources`, { replace: true });

  const deleteSource = (source: Source) =>
    reauth.run(async () => {
      await api('DELETE', `${path}/${seg(source.id)}`);
      setAsking(null);
      reload();
    });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">Sources</Title>
        {canWrite && <Link to={`/people/${seg(pid)}/connect`}>Connect a provider</Link>}
      </Group>
      {connected && (
        <Alert color="teal" styles={TITLE_CONTRAST} role="status" title={`Connected to ${connected.label}`} withCloseButton closeButtonLabel="Dismiss" onClose={dismiss}>
          Hearth now reads your records from this provider. The first sync has started; its progress and result are shown below.
        </Alert>
      )}
      {connectError && (
        <Alert color="red" styles={TITLE_CONTRAST} title="The provider was not connected" role="alert" withCloseButton closeButtonLabel="Dismiss" onClose={dismiss}>
          {connectErrorText(connectError)}
        </Alert>
      )}
      <ErrorNote error={sources.error ?? reauth.error} />
      {reauth.prompt}
      {sources.loading && !sources.data && <Loading />}
      {sources.data && sources.data.sources.length === 0 && <Empty>No sources yet: connect a provider or upload a file.</Empty>}
      {sources.data?.sources.map((source) => (
        <Card withBorder key={source.id} component="section" aria-label={source.label}>
          <Stack gap="xs">
            <Group justify="space-between">
              <Title order={2} size="h4">{source.label}</Title>
              <Text size="sm" c="dimmed">{source.kind === 'provider' ? 'Provider' : source.kind === 'file' ? 'File imports' : 'Entered by hand'} · {source.records} records</Text>
            </Group>
            {source.kind === 'provider' && <ProviderSource pid={pid} source={source} canWrite={canWrite} onChanged={reload} />}
            {canDelete && (asking === source.id ? (
              <Group gap="xs">
                <Button size="compact-sm" color="red" loading={reauth.busy} onClick={() => void deleteSource(source)}>Delete {source.records} records for good</Button>
                <Button size="compact-sm" variant="default" onClick={() => setAsking(null)}>Keep</Button>
              </Group>
            ) : (
              <Group>
                <Button size="compact-sm" variant="light" color="red" onClick={() => setAsking(source.id)} aria-label={`Delete source ${source.label}`}>Delete</Button>
              </Group>
            ))}
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}
