import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HearthError } from '../errors/hearth-error.ts';
import { auditLog } from '../audit/index.ts';
import type { Instance } from '../instance/instance.ts';
import { openEncrypted, packEncrypted, type AgeKey, type AgeSecret } from './archive.ts';
import type { BackupConfig } from './backup-config.ts';
import { backupRepository, type BackupCopy, type BackupRow } from './backup-repository.ts';
import { directoryTarget, type BackupTarget } from './backup-target.ts';
import { checkArchive } from './archive-check.ts';
import { writeEscrows } from './escrow-writer.ts';
import { backupsToPrune } from './retention.ts';
import { appendWhenFree, takeSnapshot } from './snapshot.ts';

export interface BackupDeps {
  instance: Instance;
  config: BackupConfig;
  /** The master key, to open the snapshot copies (never written into a backup). */
  masterKey: Buffer;
  now?: () => Date;
  /** Test hook: scrypt work factor for passphrase archives (age default 18). */
  scryptLogN?: number;
  /** Who runs it, for the audit trails: `cli:<user>`, an account id, or `scheduler`. */
  actor?: string;
}

export function ageKeyOf(config: BackupConfig, scryptLogN?: number): AgeKey {
  if (config.recipient) return { recipient: config.recipient };
  if (config.passphrase) return { passphrase: config.passphrase, ...(scryptLogN !== undefined ? { scryptLogN } : {}) };
  if (existsSync(config.identityFile)) return { recipient: recipientInIdentityFile(config.identityFile) };
  throw new HearthError('invalid', 'backups have no key: run "hearth backup init", or set backup.recipient or HEARTH_BACKUP_PASSPHRASE');
}

export function ageSecretOf(config: BackupConfig): AgeSecret {
  if (existsSync(config.identityFile)) return { identity: identityInFile(config.identityFile) };
  if (config.passphrase) return { passphrase: config.passphrase };
  throw new HearthError('invalid', `cannot decrypt backups here: no identity file at ${config.identityFile} and no HEARTH_BACKUP_PASSPHRASE`);
}

function identityInFile(path: string): string {
  const line = readFileSync(path, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (!line) throw new HearthError('invalid', `${path} holds no age identity (AGE-SECRET-KEY-…)`);
  return line.trim();
}

function recipientInIdentityFile(path: string): string {
  const line = readFileSync(path, 'utf8').split('\n').find((l) => l.startsWith('# public key: '));
  if (!line) throw new HearthError('invalid', `${path} has no "# public key:" line; set backup.recipient`);
  return line.slice('# public key: '.length).trim();
}

export const archiveName = (id: string) => `${id}.age`;

/** A 'running' row older than this is a crash whatever its pid says. */
const STALE_RUNNING_MS = 6 * 3_600_000;

function newId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

export function backupService(deps: BackupDeps) {
  const { instance, config } = deps;
  const now = deps.now ?? (() => new Date());
  const repository = backupRepository(instance.system);
  const targets: BackupTarget[] = config.targets.map(directoryTarget);
  const actor = deps.actor ?? 'cli';
  // Another process (an import, a CLI command) may hold the system database's write lock for a moment.
  const audit = (outcome: 'success' | 'failure', query: string) =>
    appendWhenFree(() => void auditLog(instance.system).append({ actor, action: 'backup', outcome, what: { query } }));

  /** A 'running' row whose process is gone was killed mid-way: it is a failure, never a backup. */
  function settleInterrupted(): void {
    for (const row of repository.running()) {
      // A live pid counts only for a recent row: after a reboot the pid may belong to anything.
      const recent = now().getTime() - row.startedAt < STALE_RUNNING_MS;
      if (row.pid !== null && row.pid !== process.pid && recent && isAlive(row.pid)) {
        throw new HearthError('conflict', `backup ${row.id} is being written by process ${row.pid}`);
      }
      if (row.pid !== process.pid) repository.fail(row.id, now().getTime(), 'interrupted (the process stopped before the backup was complete)');
    }
  }

  async function checkCopies(row: Pick<BackupRow, 'id' | 'sha256'>): Promise<BackupCopy[]> {
    const copies: BackupCopy[] = [];
    for (const target of targets) {
      const stat = await target.stat(archiveName(row.id));
      if (!stat) copies.push({ target: target.location, ok: false, problem: 'missing' });
      else if (stat.sha256 !== row.sha256) copies.push({ target: target.location, ok: false, problem: 'SHA-256 differs from the manifest (corrupt copy)' });
      else copies.push({ target: target.location, ok: true });
    }
    return copies;
  }

  const service = {
    repository,
    targets,
    async create(): Promise<BackupRow> {
      if (targets.length === 0) throw new HearthError('invalid', 'no backup targets: set backup.targets in the config file or HEARTH_BACKUP_TARGETS');
      const key = ageKeyOf(config, deps.scryptLogN);
      settleInterrupted();
      const started = now();
      const id = newId(started);
      repository.start(id, started.getTime(), process.pid);
      const work = join(instance.paths.tmpDir, `backup-${id}`);
      try {
        const { manifest, files } = await takeSnapshot(instance, deps.masterKey, work, id, started, actor);
        // The escrow first: an archive whose people are missing from its target's escrow cannot be
        // restored. A target whose escrow fails is a bad copy, and stays pending (escrow-writer.ts).
        const escrows = await writeEscrows(instance.system, targets, key, now);
        const [primary, ...replicas] = targets as [BackupTarget, ...BackupTarget[]];
        const written = await primary.put(archiveName(id), await packEncrypted(files, manifest, key));
        for (const replica of replicas) await replica.put(archiveName(id), primary.get(archiveName(id)));
        const copies = (await checkCopies({ id, sha256: written.sha256 })).map((copy) => {
          const escrow = escrows.find((e) => e.target === copy.target);
          return copy.ok && escrow && !escrow.ok ? { target: copy.target, ok: false, problem: escrow.problem! } : copy;
        });
        const bad = copies.filter((c) => !c.ok);
        if (bad.length > 0) {
          repository.fail(id, now().getTime(), `copy check failed: ${bad.map((c) => `${c.target}: ${c.problem}`).join('; ')}`, copies);
          await audit('failure', `change=backup&backup=${id}`);
        } else {
          repository.finish(id, now().getTime(), { size: written.size, sha256: written.sha256, manifest, copies });
          await audit('success', `change=backup&backup=${id}`);
        }
      } catch (error) {
        repository.fail(id, now().getTime(), (error as Error).message);
        await audit('failure', `change=backup&backup=${id}`);
        throw error;
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      return repository.get(id)!;
    },
    /** Decrypts, opens and checks a backup in a temp directory; records the result. */
    async verify(id?: string): Promise<{ backupId: string; ok: boolean; problems: string[]; shredded: string[] }> {
      const row = id ? repository.get(id) : repository.list().find((r) => r.status === 'ok');
      if (!row) throw new HearthError('not-found', id ? `no backup ${id}` : 'no good backup to verify');
      const problems: string[] = [];
      const copies = await checkCopies(row);
      repository.updateCopies(row.id, copies);
      for (const copy of copies) if (!copy.ok) problems.push(`copy in ${copy.target}: ${copy.problem}`);
      const good = targets[copies.findIndex((c) => c.ok)];
      let shredded: string[] = [];
      if (!good) problems.push('no intact copy to verify');
      else {
        // The escrow of the target the archive comes from: people deleted since are shredded, not a failure.
        const checked = await checkArchive(good.get(archiveName(row.id)), ageSecretOf(config), deps.masterKey, join(instance.paths.tmpDir, `verify-${row.id}-${process.pid}`), row.manifest ?? undefined, () => good.getEscrow());
        problems.push(...checked.problems);
        shredded = checked.shredded;
        // Shredded must mean deleted: a live person missing from the escrow is a stale or foreign escrow.
        const keyed = repository.keyedPeople();
        for (const personId of shredded) if (keyed.has(personId)) problems.push(`person ${personId} is alive but missing from the key escrow in ${good.location}`);
      }
      const result = { backupId: row.id, ok: problems.length === 0, problems, shredded };
      repository.recordVerification({ backupId: result.backupId, ok: result.ok, problems, at: now().getTime() });
      await audit(result.ok ? 'success' : 'failure', `change=verify-backup&backup=${row.id}`);
      return result;
    },
    list: () => repository.list(),
    /** Retention and the deletion bound (retention.ts); deletes the archives in every target. */
    async prune(): Promise<{ id: string; reason: string }[]> {
      const good = repository.list().filter((r) => r.status === 'ok' && r.manifest);
      const deletions = repository.deletions();
      const live = repository.livePeople();
      for (const row of good) for (const p of row.manifest!.people) if (!live.has(p.id) && !deletions.has(p.id)) deletions.set(p.id, 0);
      const doomed = backupsToPrune(
        good.map((r) => ({ id: r.id, startedAt: r.startedAt, people: r.manifest!.people.map((p) => p.id) })),
        config.retention,
        deletions,
        config.deletionWindowDays,
        now().getTime(),
      );
      for (const { id, reason } of doomed) {
        for (const target of targets) await target.delete(archiveName(id));
        repository.markPruned(id, now().getTime(), reason);
        await audit('success', `change=prune-backup&backup=${id}`);
      }
      return doomed;
    },
  };
  return service;
}

export type BackupService = ReturnType<typeof backupService>;

export { openEncrypted };
