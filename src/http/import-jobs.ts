import { randomUUID } from 'node:crypto';
import type { AccessControl, Actor } from '../access/access.ts';
import { HearthError, isHearthError } from '../errors/hearth-error.ts';
import { describeProblemPlace, type ImportReport } from '../import/import-report.ts';
import type { Instance } from '../instance/instance.ts';

/**
 * Uploaded imports as background jobs: one at a time per person (later uploads queue), progress
 * kept for polling, the file's bytes held in memory only until the job has run (uploads never touch
 * the disk in plaintext: SECURITY.md "At rest"). Jobs live for this server run only. No HTTP here:
 * the routes (import-routes.ts) are a thin layer over this.
 */

export type JobState = 'queued' | 'running' | 'done' | 'failed';

/** The job as the web app sees it (the contract of GET /api/people/:personId/imports/:jobId). */
export interface ImportJob {
  id: string;
  filename: string;
  state: JobState;
  createdAt: string;
  finishedAt: string | null;
  progress: { bytesDone: number; bytesTotal: number; items: number; fraction: number };
  report: JobReport | null;
  message: string | null;
}

export interface JobReport {
  created: number;
  updated: number;
  unchanged: number;
  errorCount: number;
  warnings: { message: string }[];
  errors: { location: string; message: string; severity: 'error' | 'warning' }[];
}

export interface SubmitRequest {
  actor: Actor & { kind: 'account' };
  personId: string;
  filename: string;
  bytes: Buffer;
  sourceAddress: string;
  requestId: string;
}

export interface ImportJobsOptions {
  /** Records per transaction; tests make it small to see several batches. */
  batchSize?: number;
  /** Told about a job that failed for an internal reason (never given its data). */
  onInternalError?: (error: unknown) => void;
}

export interface ImportJobs {
  /** Throws 'too-many' when the person already has MAX_WAITING uploads waiting: checked before an upload is read. */
  requireRoom(personId: string): void;
  submit(request: SubmitRequest): ImportJob;
  get(actor: Actor, personId: string, jobId: string): ImportJob;
  list(actor: Actor, personId: string): ImportJob[];
  /** Whether the person has an upload queued or running. */
  busy(personId: string): boolean;
  /**
   * For a person being deleted: queued jobs never start, the running one stops after its current
   * batch, and once it has, every job of the person is forgotten (file names included).
   */
  forget(personId: string): Promise<void>;
  /** Stops taking jobs, fails the queued ones, and waits for the running ones to stop after their current batch. */
  close(): Promise<void>;
}

/**
 * Uploads waiting per person. Each waits with its bytes in memory (up to maxUploadMiB), so the queue
 * is short: a web app uploads one file after another, not hundreds at once.
 */
export const MAX_WAITING = 3;

/** The report lists at most this many errors; errorCount still counts them all. */
export const MAX_REPORTED_PROBLEMS = 50;

interface JobRecord {
  job: ImportJob;
  personId: string;
  /** The upload, until the job has run; then dropped so the memory is freed. */
  bytes: Buffer | undefined;
  submitted: SubmitRequest;
  /** Aborted when the person is deleted. */
  cancel: AbortController;
}

export function importJobs(instance: Instance, access: AccessControl, options: ImportJobsOptions = {}): ImportJobs {
  const jobs = new Map<string, JobRecord>();
  /** Per person, the end of their queue: a new job runs when the one before has settled. */
  const tails = new Map<string, Promise<void>>();
  const stopping = new AbortController();

  async function run(record: JobRecord): Promise<void> {
    const { job, submitted } = record;
    if (stopping.signal.aborted) {
      finish(record, 'failed', 'the server stopped before this import started; upload the file again');
      return;
    }
    if (record.cancel.signal.aborted) {
      finish(record, 'failed', "the person's records were deleted");
      return;
    }
    job.state = 'running';
    try {
      // Loaded at the first upload, not at start-up: FHIR definitions take a second to load.
      const { importFiles } = await import('../import/import-service.ts');
      const [report] = await importFiles(instance, {
        actor: submitted.actor.accountId,
        paths: [{ name: job.filename, bytes: record.bytes! }],
        target: { kind: 'person', personId: record.personId },
        signal: AbortSignal.any([stopping.signal, record.cancel.signal]),
        sourceAddress: submitted.sourceAddress,
        requestId: submitted.requestId,
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
        onProgress: (progress) => {
          job.progress.items = progress.items;
          job.progress.bytesDone = Math.min(progress.bytesDone, job.progress.bytesTotal);
          job.progress.fraction = fraction(job.progress.bytesDone, job.progress.bytesTotal);
        },
      });
      job.report = jobReport(report!);
      const stored = job.report.created + job.report.updated + job.report.unchanged;
      // A file refused as a whole (hostile, unreadable) is a failed job; one with some bad entries is
      // done, with the errors listed.
      if (report!.errorCount > 0 && stored === 0) finish(record, 'failed', `nothing was imported: ${job.report.errors[0]?.location}: ${job.report.errors[0]?.message}`);
      else if (report!.errorCount > 0) finish(record, 'done', `${report!.errorCount} ${report!.errorCount === 1 ? 'entry' : 'entries'} could not be imported; the rest was`);
      else finish(record, 'done', stored === 0 ? 'the file holds no records' : null);
    } catch (error) {
      if (!isHearthError(error) || error.status >= 500) options.onInternalError?.(error);
      finish(record, 'failed', isHearthError(error) && error.status < 500 ? error.message : 'the import failed (internal error); nothing of the batch in progress was saved');
    }
  }

  function finish(record: JobRecord, state: 'done' | 'failed', message: string | null): void {
    record.bytes = undefined;
    record.job.state = state;
    record.job.message = message;
    record.job.finishedAt = new Date().toISOString();
    if (state === 'done') {
      record.job.progress.bytesDone = record.job.progress.bytesTotal;
      record.job.progress.fraction = 1;
    }
  }

  const snapshot = (record: JobRecord): ImportJob => structuredClone(record.job);

  function requireRoom(personId: string): void {
    if (stopping.signal.aborted) throw new HearthError('conflict', 'the server is shutting down; try again when it is back');
    // The one running (or about to) and those behind it.
    let unfinished = 0;
    for (const record of jobs.values()) if (record.personId === personId && (record.job.state === 'queued' || record.job.state === 'running')) unfinished++;
    if (unfinished > MAX_WAITING) throw new HearthError('too-many', `${MAX_WAITING} uploads are already waiting for this person; try again when one has finished`);
  }

  return {
    requireRoom,
    submit(request) {
      access.requireAccess(request.actor, request.personId, 'write');
      requireRoom(request.personId);
      const job: ImportJob = {
        id: randomUUID(),
        filename: request.filename,
        state: 'queued',
        createdAt: new Date().toISOString(),
        finishedAt: null,
        progress: { bytesDone: 0, bytesTotal: request.bytes.length, items: 0, fraction: 0 },
        report: null,
        message: null,
      };
      const record: JobRecord = { job, personId: request.personId, bytes: request.bytes, submitted: request, cancel: new AbortController() };
      jobs.set(job.id, record);
      const previous = tails.get(request.personId) ?? Promise.resolve();
      const tail = previous.then(() => run(record));
      tails.set(request.personId, tail);
      // The queue forgets a person once their last job has settled.
      void tail.then(() => {
        if (tails.get(request.personId) === tail) tails.delete(request.personId);
      });
      return snapshot(record);
    },
    get(actor, personId, jobId) {
      access.requireAccess(actor, personId, 'read');
      const record = jobs.get(jobId);
      if (!record || record.personId !== personId) throw new HearthError('not-found', 'no such import');
      return snapshot(record);
    },
    list(actor, personId) {
      access.requireAccess(actor, personId, 'read');
      return [...jobs.values()].filter((record) => record.personId === personId).reverse().map(snapshot);
    },
    busy(personId) {
      for (const record of jobs.values()) if (record.personId === personId && (record.job.state === 'queued' || record.job.state === 'running')) return true;
      return false;
    },
    async forget(personId) {
      // Again until the queue is empty: an upload accepted while the running job was stopping queues behind it.
      for (let tail = tails.get(personId); tail; tail = tails.get(personId)) {
        for (const record of jobs.values()) if (record.personId === personId) record.cancel.abort();
        await tail;
        if (tails.get(personId) === tail) tails.delete(personId);
      }
      for (const [id, record] of jobs) if (record.personId === personId) jobs.delete(id);
    },
    async close() {
      stopping.abort();
      await Promise.all([...tails.values()]);
    },
  };
}

const fraction = (done: number, total: number) => (total > 0 ? Math.min(1, done / total) : 0);

const where = describeProblemPlace;

function jobReport(report: ImportReport): JobReport {
  const totals = { created: 0, updated: 0, unchanged: 0 };
  for (const counts of Object.values(report.byType)) {
    totals.created += counts.created;
    totals.updated += counts.updated;
    totals.unchanged += counts.unchanged;
  }
  return {
    ...totals,
    errorCount: report.errorCount,
    warnings: report.warnings.slice(0, MAX_REPORTED_PROBLEMS).map((warning) => ({ message: `${where(warning)}: ${warning.message}` })),
    errors: report.errors.slice(0, MAX_REPORTED_PROBLEMS).map((error) => ({ location: where(error), message: error.message, severity: 'error' as const })),
  };
}
