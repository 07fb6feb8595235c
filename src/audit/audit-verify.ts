import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { entryHash, GENESIS_HASH, type AuditRow } from './audit-entry.ts';

export type AuditProblemKind = 'edited' | 'deleted' | 'inserted' | 'reordered';

export type AuditVerification =
  | { ok: true; entries: number }
  | {
      ok: false;
      entries: number;
      /** The first bad place. `seq` 0 means the head record (`audit_head`), not an entry. */
      problem: { seq: number; kind: AuditProblemKind; message: string };
    };

const PAGE = 1000;

/**
 * Walks `audit_log` in seq order and reports the FIRST problem. Each honest append writes
 * seq = previous seq + 1 (SQLite's max rowid + 1; nothing is ever deleted, so seqs have no gaps),
 * prev_hash = the previous entry's hash (64 zeros for the first), hash = entryHash(row), and moves
 * `audit_head` to (count, seq, hash). For entry r, with p the entry checked before it:
 *
 * 1. inserted  — r.seq is past the head's last_seq: no append wrote it.
 * 2. deleted   — r.seq skips numbers after p (or the first seq is not 1): the missing seqs were
 *                deleted; located at the first missing seq.
 * 3. r's fields no longer give r.hash with r.seq. If they give it with another seq W, the row
 *    was moved:
 *      inserted  — W is p.seq and r claims p's predecessor: p was slipped in before r and r renumbered
 *                  (located at p);
 *      reordered — some row in the table has the hash r links to: the rows were shuffled;
 *      deleted   — nothing has that hash: entries before r were deleted and the rest renumbered.
 *    With no W at all: edited (a field, or the stored hash itself, was changed).
 * 4. r is self-consistent but r.prev_hash is not p's hash:
 *      inserted  — the next entry links to p, past r (r was forged without the chain), or r and p
 *                  claim the same predecessor (a seq collision; p is the intruder, located at p);
 *      deleted   — otherwise: the entry r was written after is gone (deleted or replaced).
 * 5. After the last entry, the head: a last_seq past the last entry means the tail was cut
 *    (deleted, located at the first missing seq); a last_hash other than the last entry's hash, or a
 *    count that differs, means the end was replaced or the head edited.
 *
 * What cannot be detected: the chain has no secret, so whoever can write the database can rewrite
 * an entry, recompute every later hash and the head, and the result verifies. Likewise cutting the
 * tail AND moving the head back. Catching that needs the head anchored outside the database (e.g. a
 * copy of the last hash in backups or printed by `hearth audit verify` and compared later).
 */
export function verifyAuditChain(db: SqliteDatabase): AuditVerification {
  const entries = (db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
  const head = db.prepare('SELECT entries, last_seq, last_hash FROM audit_head WHERE id = 1').get() as
    | { entries: number; last_seq: number; last_hash: string }
    | undefined;
  const fail = (seq: number, kind: AuditProblemKind, message: string): AuditVerification => ({ ok: false, entries, problem: { seq, kind, message } });
  if (!head) return entries === 0 ? { ok: true, entries } : fail(0, 'deleted', 'the audit head record is missing');

  const maxSeq = (db.prepare('SELECT max(seq) AS m FROM audit_log').get() as { m: number | null }).m ?? 0;
  const page = db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');
  const rowWithHash = db.prepare('SELECT seq FROM audit_log WHERE hash = ? LIMIT 1');
  let buffer: AuditRow[] = [];
  let position = 0;
  let readAfter = 0;
  const peek = (): AuditRow | undefined => {
    if (position >= buffer.length) {
      buffer = page.all(readAfter, PAGE) as AuditRow[];
      position = 0;
      const last = buffer[buffer.length - 1];
      if (last) readAfter = last.seq;
    }
    return buffer[position];
  };

  let previous: AuditRow | undefined;
  let checked = 0;
  for (let row = peek(); row; row = peek()) {
    position++;
    checked++;
    const expectedSeq = (previous?.seq ?? 0) + 1;
    const expectedPrev = previous?.hash ?? GENESIS_HASH;
    if (row.seq > head.last_seq) {
      return fail(row.seq, 'inserted', `entry ${row.seq} was not written by the audit log (the last entry written was ${head.last_seq})`);
    }
    if (row.seq > expectedSeq) {
      const range = row.seq - 1 > expectedSeq ? `entries ${expectedSeq}-${row.seq - 1} are` : `entry ${expectedSeq} is`;
      return fail(expectedSeq, 'deleted', `${range} missing`);
    }
    if (entryHash(row) !== row.hash) {
      const written = writtenSeq(row, maxSeq);
      if (written === undefined) return fail(row.seq, 'edited', `entry ${row.seq} was changed after it was written (its fields no longer match its hash)`);
      if (previous && written === previous.seq && row.prev_hash === previous.prev_hash) {
        return fail(previous.seq, 'inserted', `entry ${previous.seq} was inserted: the entry after it was written as ${written} and links past it`);
      }
      if (rowWithHash.get(row.prev_hash)) return fail(row.seq, 'reordered', `entry ${row.seq} was written as entry ${written}: entries were reordered`);
      return fail(row.seq, 'deleted', `entry ${row.seq} was written as entry ${written}: the entry before it was deleted and later entries renumbered`);
    }
    if (row.prev_hash !== expectedPrev) {
      const next = buffer[position] ?? peek();
      if (next && next.prev_hash === expectedPrev) {
        return fail(row.seq, 'inserted', `entry ${row.seq} is not part of the chain: the entry after it links to entry ${previous?.seq ?? 'start'}`);
      }
      if (previous && row.prev_hash === previous.prev_hash) {
        return fail(previous.seq, 'inserted', `entries ${previous.seq} and ${row.seq} both follow the same entry: ${previous.seq} was inserted`);
      }
      return fail(row.seq, 'deleted', `entry ${row.seq} does not link to entry ${previous?.seq ?? 'start'}: the entry it was written after is missing or was replaced`);
    }
    previous = row;
  }

  const lastSeq = previous?.seq ?? 0;
  if (head.last_seq > lastSeq) {
    const range = head.last_seq > lastSeq + 1 ? `entries ${lastSeq + 1}-${head.last_seq} were` : `entry ${lastSeq + 1} was`;
    return fail(lastSeq + 1, 'deleted', `${range} removed from the end of the log`);
  }
  if (head.last_hash !== (previous?.hash ?? GENESIS_HASH)) {
    return fail(lastSeq, 'edited', `entry ${lastSeq} is not the last entry the audit log wrote (it was replaced)`);
  }
  if (head.entries !== checked) return fail(0, 'edited', `the audit head counts ${head.entries} entries, the log holds ${checked}`);
  return { ok: true, entries };
}

/** The seq a row's hash was computed with, when it is not its current seq (one pass, only on failure). */
function writtenSeq(row: AuditRow, maxSeq: number): number | undefined {
  for (let seq = 1; seq <= maxSeq + 1; seq++) {
    if (seq !== row.seq && entryHash(row, seq) === row.hash) return seq;
  }
  return undefined;
}
