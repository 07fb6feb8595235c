import { EventEmitter } from 'node:events';
import type { AccessControl, Actor } from '../access/access.ts';
import { auditLog } from '../audit/index.ts';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { sourcesRepository } from '../sources/sources-repository.ts';
import type { FetchLike, FhirClientOptions, SyncSession } from './fhir-client.ts';
import { hostLimiter, type HostLimiter } from './host-limiter.ts';
import { runSync, type SyncProgress } from './sync-engine.ts';
import { syncRepository } from './sync-repository.ts';
import { DEFAULT_INTERVAL_HOURS, HOUR_MS, providerSourceOf, setSyncInterval } from './sync-schedule.ts';
import { finalState, totals } from './sync-results.ts';
import type { SyncJob, SyncTrigger } from './sync-types.ts';


export interface SyncJobsOptions {
  instance: Instance;
  access: AccessControl;
  /** smart/provider-session.ts `providerSessions(instance, fetch).open`. */
  openSession: (sourceId: string) => SyncSession;
  /** The guarded outbound client's fetch (outbound/outbound-client.ts). */
  fetch: FetchLike;
  limiter?: HostLimiter;
  retry?: Pick<FhirClientOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'retryAfterCapMs' | 'sleep' | 'random'>;
  now?: () => number;
  /** Told of failures that are ours (never their message: it may quote a server's answer). */
  onInternalError?: (error: unknown) => void;
}

export interface SyncRequester {
  actor: Actor;
  /** An account id, `cli:<user>`, or 'scheduler'. */
  auditActor: string;
  sourceAddress?: string;
  requestId?: string;
}

export type SyncEvent = { kind: 'progress'; jobId: string; progress: SyncProgress } | { kind: 'finished'; job: SyncJob } | { kind: 'started'; job: SyncJob };

/** The PHI-free code of a failure that ended a job (a HearthError code, never its message). */
function failureCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[a-z_-]{1,40}$/.test(code) ? code : 'internal';
}

/**
 * Sync jobs (issue 4 §5): one unfinished job per source, run in the background; progress as events
 * (for SSE); cancel stops after the current page; jobs left 'running' by a killed process resume
 * from their checkpoint (`resumeUnfinished` at server start); a scheduler runs due sources. Every
 * sync ends with one audit entry in the person's vault trail.
 */
export function syncJobs(options: SyncJobsOptions) {
  const { instance, access } = options;
  const repository = syncRepository(instance.system);
  const sources = sourcesRepository(instance.system);
  const limiter = options.limiter ?? hostLimiter();
  const now = options.now ?? Date.now;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const running = new Map<string, { controller: AbortController; done: Promise<SyncJob>; personId: string }>();
  let timer: NodeJS.Timeout | undefined;
  let closing = false;

  const providerSource = (personId: string, sourceId: string) => providerSourceOf(instance, personId, sourceId);

  const emit = (sourceId: string, event: SyncEvent) => events.emit(sourceId, event);

  async function execute(job: SyncJob): Promise<SyncJob> {
    const results = job.results;
    let state: SyncJob['state'];
    let error: string | null = null;
    const entry = running.get(job.sourceId)!;
    repository.markRunning(job.id, now());
    emit(job.sourceId, { kind: 'started', job: repository.job(job.id)! });
    try {
      const session = options.openSession(job.sourceId);
      const schedule = repository.schedule(job.sourceId);
      const vault = instance.people.openVault(job.personId);
      try {
        const result = await runSync({
          vault,
          sourceId: job.sourceId,
          jobId: job.id,
          session,
          fetch: options.fetch,
          limiter,
          ...(options.retry ? { retry: options.retry } : {}),
          checkpoint: job.checkpoint,
          results,
          since: job.checkpoint ? job.checkpoint.since : (schedule?.since ?? null),
          saveProgress: (checkpoint, latest) => repository.saveProgress(job.id, checkpoint, latest),
          signal: entry.controller.signal,
          onProgress: (progress) => emit(job.sourceId, { kind: 'progress', jobId: job.id, progress }),
          now,
        });
        if (result.cancelled && entry.controller.signal.reason === 'shutdown') return repository.job(job.id)!; // stays 'running': resumed at next start
        state = result.cancelled ? 'cancelled' : finalState(results);
        if (state === 'succeeded') repository.recordSuccess(job.sourceId, now(), result.checkpoint.startedAt, now() + (schedule?.intervalHours ?? DEFAULT_INTERVAL_HOURS) * HOUR_MS);
        else repository.setNextRun(job.sourceId, now() + (schedule?.intervalHours ?? DEFAULT_INTERVAL_HOURS) * HOUR_MS);
        appendAudit(vault.db, job, state);
      } finally {
        vault.close();
      }
    } catch (failure) {
      state = 'failed';
      error = failureCode(failure);
      if (error === 'internal') options.onInternalError?.(failure);
      try {
        const vault = instance.people.openVault(job.personId);
        try {
          appendAudit(vault.db, job, state);
        } finally {
          vault.close();
        }
      } catch (auditFailure) {
        options.onInternalError?.(auditFailure);
      }
    }
    repository.finish(job.id, state, now(), results, error);
    const finished = repository.job(job.id)!;
    emit(job.sourceId, { kind: 'finished', job: finished });
    return finished;
  }

  function appendAudit(db: Parameters<typeof auditLog>[0], job: SyncJob, state: SyncJob['state']): void {
    const sum = totals(job.results);
    auditLog(db).append({
      actor: job.actor,
      personId: job.personId,
      action: 'sync',
      outcome: state === 'succeeded' || state === 'cancelled' ? 'success' : 'failure',
      what: { query: `source=${job.sourceId}&job=${job.id}&state=${state}&new=${sum.new}&updated=${sum.updated}&unchanged=${sum.unchanged}&errors=${sum.errors}` },
    });
  }

  function launch(job: SyncJob): Promise<SyncJob> {
    const controller = new AbortController();
    const entry = { controller, personId: job.personId, done: Promise.resolve(job) };
    running.set(job.sourceId, entry);
    entry.done = (async () => {
      try {
        return await execute(job);
      } finally {
        running.delete(job.sourceId);
      }
    })();
    return entry.done;
  }

  function begin(requester: SyncRequester, personId: string, sourceId: string, trigger: SyncTrigger): { job: SyncJob; done: Promise<SyncJob> } {
    access.requireAccess(requester.actor, personId, 'write');
    providerSource(personId, sourceId);
    if (closing) throw new HearthError('conflict', 'the server is shutting down');
    const active = repository.activeJob(sourceId);
    if (active) {
      const entry = running.get(sourceId);
      if (entry) return { job: active, done: entry.done };
      // Left by a process that died: this process takes it over from its checkpoint.
      return { job: active, done: launch(active) };
    }
    if (!repository.schedule(sourceId)) repository.setSchedule(sourceId, DEFAULT_INTERVAL_HOURS, null);
    const job = repository.createJob(sourceId, personId, requester.auditActor, trigger, now());
    return { job, done: launch(job) };
  }

  return {
    /** Starts (or joins) the source's sync; answers at once with the job. */
    start: (requester: SyncRequester, personId: string, sourceId: string, trigger: SyncTrigger = 'manual') => begin(requester, personId, sourceId, trigger).job,
    /** Starts (or joins) the source's sync and waits for its end (the CLI). */
    run: (requester: SyncRequester, personId: string, sourceId: string, trigger: SyncTrigger = 'manual') => begin(requester, personId, sourceId, trigger).done,
    /**
     * Cancel: a queued job at once, a running one after its current page (answered at once with the
     * job as it is; its 'finished' event and status say 'cancelled').
     */
    cancel(requester: SyncRequester, personId: string, sourceId: string): SyncJob | undefined {
      access.requireAccess(requester.actor, personId, 'write');
      providerSource(personId, sourceId);
      const entry = running.get(sourceId);
      if (entry) {
        entry.controller.abort('cancel');
        return repository.activeJob(sourceId);
      }
      const active = repository.activeJob(sourceId);
      if (active) repository.finish(active.id, 'cancelled', now(), active.results, null);
      return active ? repository.job(active.id) : undefined;
    },
    status(requester: SyncRequester, personId: string, sourceId: string) {
      access.requireAccess(requester.actor, personId, 'read');
      providerSource(personId, sourceId);
      return { job: repository.history(sourceId, 1)[0] ?? null, schedule: repository.schedule(sourceId) ?? null };
    },
    /** How often the schedule syncs this source (sync-schedule.ts). */
    setInterval: (requester: SyncRequester, personId: string, sourceId: string, intervalHours: number) =>
      setSyncInterval({ instance, access, now }, requester, personId, sourceId, intervalHours),
    history(requester: SyncRequester, personId: string, sourceId: string, limit = 50): SyncJob[] {
      access.requireAccess(requester.actor, personId, 'read');
      providerSource(personId, sourceId);
      return repository.history(sourceId, limit);
    },
    /** Live events of a source's jobs; returns the unsubscribe. Access is checked by the caller first. */
    subscribe(sourceId: string, listener: (event: SyncEvent) => void): () => void {
      events.on(sourceId, listener);
      return () => void events.off(sourceId, listener);
    },
    /** At server start: jobs a killed process left 'queued' or 'running' go on from their checkpoints. */
    resumeUnfinished(): Promise<SyncJob>[] {
      return repository.unfinishedJobs().filter((job) => !running.has(job.sourceId)).map((job) => launch(job));
    },
    /** Starts the due sources' syncs (per-source interval, default daily). */
    runDue(): Promise<SyncJob>[] {
      if (closing) return [];
      const due: Promise<SyncJob>[] = [];
      for (const sourceId of repository.dueSources(now())) {
        const source = sources.get(sourceId);
        if (!source || running.has(sourceId)) continue;
        const job = repository.createJob(sourceId, source.personId, 'scheduler', 'schedule', now());
        due.push(launch(job));
      }
      return due;
    },
    startScheduler(everyMs = 60_000): void {
      timer ??= setInterval(() => void this.runDue(), everyMs);
      timer.unref();
    },
    busy: (personId: string) => [...running.values()].some((entry) => entry.personId === personId),
    /** Deletion: the person's running jobs are cancelled and awaited (their rows go with the source/person). */
    async release(personId: string): Promise<void> {
      const mine = [...running.values()].filter((entry) => entry.personId === personId);
      for (const entry of mine) entry.controller.abort('cancel');
      await Promise.allSettled(mine.map((entry) => entry.done));
    },
    /** Shutdown: running jobs stop after their page and stay resumable. */
    async close(): Promise<void> {
      closing = true;
      if (timer) clearInterval(timer);
      for (const entry of running.values()) entry.controller.abort('shutdown');
      await Promise.allSettled([...running.values()].map((entry) => entry.done));
    },
  };
}

export type SyncJobs = ReturnType<typeof syncJobs>;
