import type { SqliteDatabase } from '../storage/encrypted-database.ts';

/** An account's second factor as stored (migration 5): the seed only sealed. */
export interface TotpRow {
  sealedSeed: Buffer;
  /** Milliseconds since the epoch; null while set up but not yet confirmed. */
  confirmedAt: number | null;
  /** The RFC 6238 time-step of the last accepted code. */
  lastStep: number | null;
}

/** SQL only: the `account_totp` and `recovery_codes` tables of the system database. */
export function totpRepository(db: SqliteDatabase) {
  const selectRow = db.prepare('SELECT sealed_seed AS sealedSeed, confirmed_at AS confirmedAt, last_step AS lastStep FROM account_totp WHERE account_id = ?');
  const upsertPending = db.prepare(`INSERT INTO account_totp (account_id, sealed_seed, created_at) VALUES (?, ?, ?)
    ON CONFLICT (account_id) DO UPDATE SET sealed_seed = excluded.sealed_seed, created_at = excluded.created_at, confirmed_at = NULL, last_step = NULL`);
  const confirm = db.prepare('UPDATE account_totp SET confirmed_at = ?, last_step = ? WHERE account_id = ? AND confirmed_at IS NULL');
  // Only a later step than the last accepted one: the same code (or an older one) never works twice.
  const advanceStep = db.prepare('UPDATE account_totp SET last_step = ? WHERE account_id = ? AND (last_step IS NULL OR last_step < ?)');
  const deleteTotp = db.prepare('DELETE FROM account_totp WHERE account_id = ?');
  const deleteCodes = db.prepare('DELETE FROM recovery_codes WHERE account_id = ?');
  const insertCode = db.prepare('INSERT INTO recovery_codes (account_id, code_hash) VALUES (?, ?)');
  const useCode = db.prepare('UPDATE recovery_codes SET used_at = ? WHERE account_id = ? AND code_hash = ? AND used_at IS NULL');
  const countUnused = db.prepare('SELECT count(*) FROM recovery_codes WHERE account_id = ? AND used_at IS NULL').pluck();

  return {
    get: (accountId: string) => selectRow.get(accountId) as TotpRow | undefined,
    /** A new pending seed, replacing any earlier one (confirmed or not). */
    putPending: (accountId: string, sealedSeed: Buffer, at: number) => void upsertPending.run(accountId, sealedSeed, at),
    /** Confirms the pending seed and replaces the recovery codes, in one transaction; false when nothing was pending. */
    confirm(accountId: string, at: number, step: number, codeHashes: readonly string[]): boolean {
      return db.transaction(() => {
        if (confirm.run(at, step, accountId).changes === 0) return false;
        deleteCodes.run(accountId);
        for (const hash of codeHashes) insertCode.run(accountId, hash);
        return true;
      })();
    },
    /** Records `step` as used; false when it (or a later one) already was. */
    advanceStep: (accountId: string, step: number): boolean => advanceStep.run(step, accountId, step).changes > 0,
    /** Spends an unused recovery code; false when there is no such unused code. */
    useCode: (accountId: string, codeHash: string, at: number): boolean => useCode.run(at, accountId, codeHash).changes > 0,
    unusedCodes: (accountId: string) => countUnused.get(accountId) as number,
    /** Removes the seed and the codes; false when there was no seed. */
    delete(accountId: string): boolean {
      return db.transaction(() => {
        deleteCodes.run(accountId);
        return deleteTotp.run(accountId).changes > 0;
      })();
    },
  };
}

export type TotpRepository = ReturnType<typeof totpRepository>;
