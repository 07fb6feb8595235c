import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { loadMasterKey } from '../instance/master-key-source.ts';
import type { BackupConfig } from './backup-config.ts';
import { backupRepository, type BackupRow, type VerificationRow } from './backup-repository.ts';
import { backupService } from './backup-service.ts';
import { escrowAfterDeletion, pendingEscrows } from './escrow-writer.ts';

const HOUR = 3_600_000;
/** A backup due at start-up (overdue, or never made) runs this long after the server is up. */
export const STARTUP_DELAY_MS = 60_000;
/** How late the newest good backup may be before the page warns. */
const OVERDUE_GRACE_MS = 6 * HOUR;

export type BackupWarning = 'not-configured' | 'backup-failed' | 'verification-failed' | 'copy-problem' | 'overdue' | 'escrow-pending';

export interface BackupStatus {
  configured: boolean;
  intervalHours: number;
  targets: string[];
  nextRunAt: string | null;
  running: boolean;
  lastVerification: (Omit<VerificationRow, 'at'> & { at: string }) | null;
  warnings: BackupWarning[];
  history: (Omit<BackupRow, 'manifest' | 'startedAt' | 'finishedAt' | 'pid'> & { startedAt: string; finishedAt: string | null; system: string | null; people: number })[];
}

export interface SchedulerDeps {
  instance: Instance;
  config: BackupConfig;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  onError?: (error: Error) => void;
  /** Defaults to STARTUP_DELAY_MS; tests shorten it. */
  startupDelayMs?: number;
}

/**
 * The daily backup while `hearth serve` runs. It keeps no state of its own: the next run is the
 * last attempt's start plus the interval, read from the backup log, so the schedule survives
 * restarts and a server that was down when a backup was due runs one shortly after it starts.
 * After each backup: a verify of it and the retention/deletion prune (issue 6 §4).
 */
export function backupScheduler(deps: SchedulerDeps) {
  const { instance, config } = deps;
  const now = deps.now ?? Date.now;
  const env = deps.env ?? process.env;
  const configured = config.targets.length > 0;
  const intervalMs = config.intervalHours * HOUR;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<BackupRow> | undefined;
  let stopped = false;
  // Status reads only the log: no master key is needed for it.
  const log = backupRepository(instance.system);
  // The newest attempt of any outcome: a failed run is retried at the next interval, not at once.
  const lastAttempt = (): BackupRow | undefined => log.list()[0];

  function nextRunAt(): number | null {
    if (!configured || intervalMs === 0) return null;
    const last = lastAttempt();
    return last ? last.startedAt + intervalMs : now();
  }

  async function run(actor: string): Promise<BackupRow> {
    if (!configured) throw new HearthError('invalid', 'backups are not set up: set backup.targets in the config file or HEARTH_BACKUP_TARGETS');
    if (running) throw new HearthError('conflict', 'a backup is already running');
    running = (async () => {
      const { key } = await loadMasterKey(instance.paths, env);
      try {
        const service = backupService({ instance, config, masterKey: key, actor, now: () => new Date(now()) });
        const row = await service.create();
        if (row.status === 'ok') {
          await service.verify(row.id);
          await service.prune();
        }
        return row;
      } finally {
        key.fill(0);
      }
    })();
    try {
      return await running;
    } finally {
      running = undefined;
      schedule();
    }
  }

  function schedule(): void {
    if (timer) clearTimeout(timer);
    const next = nextRunAt();
    if (stopped || next === null) return;
    const delay = Math.max(deps.startupDelayMs ?? STARTUP_DELAY_MS, next - now());
    // At most a day per timer (setTimeout's limit is ~24.8 days); re-checked when it fires.
    timer = setTimeout(() => {
      const due = nextRunAt();
      if (due !== null && due <= now()) run('scheduler').catch((error: Error) => deps.onError?.(error));
      else schedule();
    }, Math.min(delay, 24 * HOUR));
    timer.unref();
  }

  return {
    start: schedule,
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    runNow: (actor: string) => run(actor),
    /** The deletion hook with this server's backup config (deletion-service.ts). */
    afterPersonDeleted: escrowAfterDeletion(instance, () => config),
    /** Resolves when a running backup has finished (shutdown waits for it). */
    idle: async () => {
      await running?.catch(() => undefined);
    },
    status(): BackupStatus {
      const rows = log.list();
      const verification = log.lastVerification();
      const newest = rows.find((row) => row.status !== 'running');
      const newestGood = rows.find((row) => row.status === 'ok');
      const warnings: BackupWarning[] = [];
      if (!configured) warnings.push('not-configured');
      if (newest?.status === 'failed') warnings.push('backup-failed');
      if (verification && !verification.ok) warnings.push('verification-failed');
      if (newestGood?.copies.some((copy) => !copy.ok)) warnings.push('copy-problem');
      // A deletion could not rewrite some target's key escrow (escrow-writer.ts): the next backup retries.
      if (pendingEscrows(instance.system).length > 0) warnings.push('escrow-pending');
      if (configured && intervalMs > 0 && (!newestGood || now() - newestGood.startedAt > intervalMs + OVERDUE_GRACE_MS)) warnings.push('overdue');
      const next = nextRunAt();
      return {
        configured,
        intervalHours: config.intervalHours,
        targets: config.targets,
        nextRunAt: next === null ? null : new Date(Math.max(next, now())).toISOString(),
        running: running !== undefined,
        lastVerification: verification ? { ...verification, at: new Date(verification.at).toISOString() } : null,
        warnings,
        history: rows.map(({ manifest, startedAt, finishedAt, pid: _pid, ...row }) => ({
          ...row,
          startedAt: new Date(startedAt).toISOString(),
          finishedAt: finishedAt === null ? null : new Date(finishedAt).toISOString(),
          system: manifest?.system ?? null,
          people: manifest?.people.length ?? 0,
        })),
      };
    },
  };
}

export type BackupScheduler = ReturnType<typeof backupScheduler>;
