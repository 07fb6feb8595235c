import type { Instance } from '../instance/instance.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import type { AgeKey } from './archive.ts';
import type { BackupConfig } from './backup-config.ts';
import { ageKeyOf } from './backup-service.ts';
import { directoryTarget, type BackupTarget } from './backup-target.ts';
import { encryptEscrow, escrowOf } from './escrow.ts';
import { appendWhenFree } from './snapshot.ts';

/** settings key: JSON list of target locations whose escrow may still name a deleted person. */
export const ESCROW_PENDING_KEY = 'backup-escrow-pending';

export interface EscrowWrite {
  target: string;
  ok: boolean;
  problem?: string;
}

export function pendingEscrows(system: SqliteDatabase): string[] {
  const raw = system.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(ESCROW_PENDING_KEY) as string | undefined;
  return raw ? (JSON.parse(raw) as string[]) : [];
}

async function savePending(system: SqliteDatabase, writes: EscrowWrite[]): Promise<void> {
  const pending = new Set(pendingEscrows(system));
  for (const write of writes) {
    if (write.ok) pending.delete(write.target);
    else pending.add(write.target);
  }
  await appendWhenFree(() => {
    if (pending.size === 0) system.prepare('DELETE FROM settings WHERE key = ?').run(ESCROW_PENDING_KEY);
    else system.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(ESCROW_PENDING_KEY, JSON.stringify([...pending].sort()));
  });
}

const peopleOf = (system: SqliteDatabase) => Object.keys(escrowOf(system, new Date(0)).people).join(',');

/**
 * Rewrites the escrow in every target from the live system database, and records the targets that
 * failed as pending (retried by the next backup, which rewrites every escrow). A deletion in another
 * process may commit between reading the people and writing the files; its own rewrite would then be
 * overwritten by this older list, so the list is read again after writing and the files rewritten
 * while it changed (bounded: a steady stream of new people must not keep this going).
 */
export async function writeEscrows(system: SqliteDatabase, targets: BackupTarget[], key: AgeKey, now: () => Date): Promise<EscrowWrite[]> {
  let writes: EscrowWrite[] = [];
  for (let round = 0; round < 5; round += 1) {
    const escrow = escrowOf(system, now());
    const bytes = await encryptEscrow(escrow, key);
    writes = [];
    for (const target of targets) {
      try {
        await target.putEscrow(bytes);
        writes.push({ target: target.location, ok: true });
      } catch (error) {
        writes.push({ target: target.location, ok: false, problem: `key escrow not written: ${(error as Error).message}` });
      }
    }
    if (peopleOf(system) === Object.keys(escrow.people).join(',')) break;
  }
  await savePending(system, writes);
  return writes;
}

/**
 * The deletion hook (deletion-service.ts): right after a person is deleted, no escrow may keep
 * their wrapped key. Never throws: the deletion has happened; a target that cannot be written (or
 * no backup key here, e.g. a passphrase not in this process's environment) is recorded as pending,
 * and the retention bound (retention.ts) remains the backstop.
 */
export function escrowAfterDeletion(instance: Pick<Instance, 'system' | 'paths'>, loadConfig: () => BackupConfig): () => Promise<EscrowWrite[]> {
  return async () => {
    let config: BackupConfig;
    try {
      config = loadConfig();
    } catch {
      return [];
    }
    if (config.targets.length === 0) return [];
    const targets = config.targets.map(directoryTarget);
    let key: AgeKey;
    try {
      key = ageKeyOf(config);
    } catch (error) {
      const writes = targets.map((t) => ({ target: t.location, ok: false, problem: (error as Error).message }));
      await savePending(instance.system, writes);
      return writes;
    }
    return writeEscrows(instance.system, targets, key, () => new Date());
  };
}
