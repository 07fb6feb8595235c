import { Alert, Button, FileButton, Group, List, Paper, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { CSRF_HEADERS, errorFrom, get, seg } from '../api.ts';
import { Link } from '../router.tsx';
import { usePerson } from '../session.tsx';
import { formatDate } from '../format.ts';
import { ErrorNote, useLoad } from '../ui.tsx';

export interface ImportJob {
  id: string;
  filename: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  createdAt: string;
  finishedAt: string | null;
  progress: { bytesDone: number; bytesTotal: number; items: number; fraction: number };
  report: null | {
    created: number;
    updated: number;
    unchanged: number;
    errorCount: number;
    warnings: { message: string }[];
    errors: { location: string; message: string; severity: string }[];
  };
  message: string | null;
}

type Phase = { kind: 'idle' } | { kind: 'uploading'; fraction: number } | { kind: 'importing'; job: ImportJob } | { kind: 'failed'; error: unknown };

/** Sends the file as the raw request body; XMLHttpRequest because fetch reports no upload progress. */
function upload(pid: string, file: File, onProgress: (fraction: number) => void): Promise<ImportJob> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/api/people/${seg(pid)}/imports?filename=${encodeURIComponent(file.name)}`);
    request.setRequestHeader('Content-Type', 'application/octet-stream');
    for (const [name, value] of Object.entries(CSRF_HEADERS)) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) resolve((JSON.parse(request.responseText) as { job: ImportJob }).job);
      else reject(errorFrom(request.status, request.responseText, request.getResponseHeader('Retry-After')));
    };
    request.onerror = () => reject(new Error('The upload was interrupted.'));
    request.send(file);
  });
}

const finished = (job: ImportJob) => job.state === 'done' || job.state === 'failed';

/** Upload a file (FHIR JSON, NDJSON, a zip or C-CDA XML): upload progress, import progress, the report. */
export function UploadPage({ pid }: { pid: string }) {
  const person = usePerson(pid);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [dragging, setDragging] = useState(false);
  const live = useRef(true);
  // Set on mount too: React may mount, unmount and mount again (StrictMode), reusing the ref.
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  const start = async (file: File | null) => {
    if (!file) return;
    setPhase({ kind: 'uploading', fraction: 0 });
    try {
      let job = await upload(pid, file, (fraction) => live.current && setPhase({ kind: 'uploading', fraction }));
      while (live.current) {
        setPhase({ kind: 'importing', job });
        if (finished(job)) break;
        await new Promise((resolve) => setTimeout(resolve, 400));
        job = (await get<{ job: ImportJob }>(`/api/people/${seg(pid)}/imports/${seg(job.id)}`)).job;
      }
    } catch (error) {
      if (live.current) setPhase({ kind: 'failed', error });
    }
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void start(event.dataTransfer.files[0] ?? null);
  };
  const busy = phase.kind === 'uploading' || (phase.kind === 'importing' && !finished(phase.job));

  return (
    <Stack maw={760}>
      <Title order={1} size="h2">
        Upload records for {person?.name}
      </Title>
      <Paper
        withBorder
        p="xl"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        style={{ borderStyle: 'dashed', borderWidth: 2, background: dragging ? 'var(--mantine-color-teal-0)' : undefined }}
      >
        <Stack align="center" gap="xs">
          <Text ta="center">Drop a file here, or choose one.</Text>
          <Text size="sm" c="dimmed" ta="center">
            FHIR JSON or NDJSON, a zip of them (e.g. a Synthea or provider export), or a C-CDA XML document.
          </Text>
          <FileButton onChange={(file) => void start(file)} accept=".json,.ndjson,.zip,.xml,application/json,application/zip,text/xml,application/xml" disabled={busy}>
            {(props) => (
              <Button {...props} loading={busy}>
                Choose a file
              </Button>
            )}
          </FileButton>
        </Stack>
      </Paper>
      {phase.kind === 'uploading' && (
        <Stack gap={4}>
          <Text size="sm">Uploading… {Math.round(phase.fraction * 100)}%</Text>
          <Progress value={phase.fraction * 100} aria-label="Upload progress" />
        </Stack>
      )}
      {phase.kind === 'importing' && <JobView job={phase.job} pid={pid} />}
      {phase.kind === 'failed' && <ErrorNote error={phase.error} title="The file was not imported" />}
      <RecentImports pid={pid} refreshKey={phase.kind === 'importing' && finished(phase.job) ? phase.job.id : ''} />
    </Stack>
  );
}

function JobView({ job, pid }: { job: ImportJob; pid: string }) {
  const percent = Math.round((job.state === 'done' ? 1 : job.progress.fraction) * 100);
  return (
    <Stack gap="sm" data-import-state={job.state} aria-live="polite">
      <Text size="sm">
        {job.filename}: {job.state === 'queued' ? 'waiting to start' : job.state === 'running' ? `importing… ${job.progress.items} records so far` : job.state === 'done' ? 'import done' : 'import failed'}
      </Text>
      <Progress value={percent} color={job.state === 'failed' ? 'red' : undefined} aria-label="Import progress" />
      {job.message && job.state === 'failed' && (
        <Alert color="red" title="Import failed" role="alert">
          {job.message}
        </Alert>
      )}
      {job.report && (
        <Paper withBorder p="md">
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 2, sm: 4 }}>
              <Count label="Created" value={job.report.created} />
              <Count label="Updated" value={job.report.updated} />
              <Count label="Unchanged" value={job.report.unchanged} />
              <Count label="Errors" value={job.report.errorCount} />
            </SimpleGrid>
            {job.report.warnings.length > 0 && (
              <Alert color="yellow" title={`${job.report.warnings.length} warning(s)`}>
                <List size="sm">
                  {job.report.warnings.slice(0, 50).map((warning, index) => (
                    <List.Item key={index}>{warning.message}</List.Item>
                  ))}
                </List>
              </Alert>
            )}
            {job.report.errors.length > 0 && (
              <Alert color="red" title={`${job.report.errorCount} problem(s)`}>
                <List size="sm">
                  {job.report.errors.slice(0, 50).map((error, index) => (
                    <List.Item key={index}>
                      {error.location}: {error.message}
                    </List.Item>
                  ))}
                </List>
              </Alert>
            )}
            {job.state === 'done' && (
              <Group>
                <Link to={`/people/${seg(pid)}/records`}>Browse the records</Link>
              </Group>
            )}
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}

function Count({ label, value }: { label: string; value: number }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="lg" data-count={label.toLowerCase()}>
        {value}
      </Text>
    </div>
  );
}

/** Earlier uploads of this person (newest first), so a report can be found again after leaving the page. */
function RecentImports({ pid, refreshKey }: { pid: string; refreshKey: string }) {
  const jobs = useLoad(`imports:${pid}:${refreshKey}`, () => get<{ jobs: ImportJob[] }>(`/api/people/${seg(pid)}/imports`));
  const list = [...(jobs.data?.jobs ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 10);
  if (jobs.error) return <ErrorNote error={jobs.error} title="Earlier uploads cannot be listed" />;
  if (list.length === 0) return null;
  return (
    <Stack gap={4} component="section" aria-labelledby="recent-imports">
      <Title order={2} size="h4" id="recent-imports">
        Earlier uploads
      </Title>
      <Table aria-label="Earlier uploads">
        <Table.Tbody>
          {list.map((job) => (
            <Table.Tr key={job.id}>
              <Table.Td style={{ wordBreak: 'break-word' }}>{job.filename}</Table.Td>
              <Table.Td>{formatDate(job.createdAt)}</Table.Td>
              <Table.Td>
                {job.state}
                {job.report ? ` · ${job.report.created} new, ${job.report.updated} updated${job.report.errorCount ? `, ${job.report.errorCount} problems` : ''}` : ''}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
