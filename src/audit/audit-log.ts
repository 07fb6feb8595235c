import { HearthError } from '../errors/hearth-error.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import {
  checkEntryInput,
  entryHash,
  GENESIS_HASH,
  rowToEntry,
  type AuditAction,
  type AuditEntry,
  type AuditEntryInput,
  type AuditRow,
} from './audit-entry.ts';
import { verifyAuditChain, type AuditVerification } from './audit-verify.ts';

export interface AuditListQuery {
  /** Inclusive lower bound on recorded_at (ISO 8601, UTC). */
  from?: string;
  /** Exclusive upper bound on recorded_at (ISO 8601, UTC). */
  to?: string;
  action?: AuditAction;
  limit?: number;
  offset?: number;
}

export interface AuditAppendOptions {
  /**
   * Commit without waiting for the disk (SQLite `synchronous=NORMAL` for this one commit): the
   * entry is in the WAL, so it survives a crash of Hearth, and reaches the disk with the next
   * checkpoint or fully synchronous commit; only a power loss in between could lose it. For the
   * entries of reads and searches, where an fsync per request would cap the API's throughput.
   */
  relaxed?: boolean;
}

export interface AuditLog {
  append(entry: AuditEntryInput, options?: AuditAppendOptions): AuditEntry;
  /** Entries in seq (write) order. */
  list(query?: AuditListQuery): AuditEntry[];
  /** How many entries match the query's filters (its limit and offset ignored), for paging. */
  count(query?: Omit<AuditListQuery, 'limit' | 'offset'>): number;
  verify(): AuditVerification;
}

export interface AuditLogOptions {
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

function utcInstant(value: string, name: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new HearthError('invalid', `audit: ${name} "${value.slice(0, 40)}" is not a date`);
  return new Date(time).toISOString();
}

/** The WHERE terms of a list or count query (parameterised). */
function filters(query: Omit<AuditListQuery, 'limit' | 'offset'>): { where: string[]; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (query.from !== undefined) {
    where.push('recorded_at >= ?');
    params.push(utcInstant(query.from, 'from'));
  }
  if (query.to !== undefined) {
    where.push('recorded_at < ?');
    params.push(utcInstant(query.to, 'to'));
  }
  if (query.action !== undefined) {
    where.push('action = ?');
    params.push(query.action);
  }
  return { where, params };
}

/**
 * The audit trail of one database: a person's vault (entries about that person) or the system
 * database (account events). Both have the same `audit_log` / `audit_head` tables (migration 2).
 */
/**
 * Rows changed by audit appends, per connection (SQLite's `total_changes()` counts them with every
 * other write). Caches that must drop at any change of a person's records (search/date-span.ts)
 * discount these: every read and search appends to the trail, which holds no records, so counting
 * them would empty those caches at each request.
 */
const auditChanges = new WeakMap<SqliteDatabase, number>();

/** How many of `db`'s `total_changes()` came from audit appends on it. */
export const auditChangesOn = (db: SqliteDatabase): number => auditChanges.get(db) ?? 0;

export function auditLog(db: SqliteDatabase, options: AuditLogOptions = {}): AuditLog {
  const now = options.now ?? (() => new Date());
  const head = db.prepare('SELECT entries, last_seq, last_hash FROM audit_head WHERE id = 1');
  const insert = db.prepare(`INSERT INTO audit_log (recorded_at, actor, on_behalf_of, person_id, action, what, outcome,
    source_address, request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')`);
  const setHash = db.prepare('UPDATE audit_log SET hash = ? WHERE seq = ?');
  const setHead = db.prepare(`INSERT INTO audit_head (id, entries, last_seq, last_hash) VALUES (1, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET entries = excluded.entries, last_seq = excluded.last_seq, last_hash = excluded.last_hash`);

  // One transaction (a savepoint when the caller already has one open): reading the previous hash,
  // inserting and moving the head can never interleave with another append.
  const appendInTransaction = db.transaction((input: AuditEntryInput): AuditRow => {
    const what = checkEntryInput(input);
    const current = head.get() as { entries: number; last_seq: number; last_hash: string } | undefined;
    // The head, not the last row, gives prev_hash: if the tail was cut, the next entry still
    // links to the entry that was removed, and verify reports the gap instead of hiding it.
    const prevHash = current?.last_hash ?? GENESIS_HASH;
    const row: Omit<AuditRow, 'seq' | 'hash'> = {
      recorded_at: now().toISOString(),
      actor: input.actor,
      on_behalf_of: input.onBehalfOf ?? null,
      person_id: input.personId ?? null,
      action: input.action,
      what,
      outcome: input.outcome,
      source_address: input.sourceAddress ?? null,
      request_id: input.requestId ?? null,
      prev_hash: prevHash,
    };
    const result = insert.run(row.recorded_at, row.actor, row.on_behalf_of, row.person_id, row.action, row.what, row.outcome,
      row.source_address, row.request_id, row.prev_hash);
    // seq is SQLite's rowid (max + 1); the hash covers it, so it is set once the row exists.
    const seq = Number(result.lastInsertRowid);
    const hash = entryHash({ seq, ...row });
    setHash.run(hash, seq);
    setHead.run((current?.entries ?? 0) + 1, seq, hash);
    return { seq, ...row, hash };
  });

  // BEGIN IMMEDIATE: the append reads the head and then writes. A deferred transaction that another
  // process's commit overtakes between that read and the first write fails at once with
  // SQLITE_BUSY_SNAPSHOT (no busy timeout applies, https://www.sqlite.org/wal.html#sometimes_queries_return_sqlite_busy_in_wal_mode);
  // taking the write lock first makes it wait its turn instead. Nested, it is a savepoint as before.
  const totalChanges = db.prepare('SELECT total_changes()').pluck();
  const appendLocked = (input: AuditEntryInput): AuditRow => {
    const before = totalChanges.get() as number;
    try {
      return appendInTransaction.immediate(input);
    } finally {
      // Rolled-back changes count too (lang_corefunc.html#total_changes), so they are discounted as well.
      auditChanges.set(db, auditChangesOn(db) + (totalChanges.get() as number) - before);
    }
  };

  return {
    append(input, appendOptions = {}) {
      // Inside a caller's transaction the caller's commit decides; the pragma only applies between transactions.
      if (!appendOptions.relaxed || db.inTransaction) return rowToEntry(appendLocked(input));
      const previous = db.pragma('synchronous', { simple: true }) as number;
      db.pragma('synchronous = NORMAL');
      try {
        return rowToEntry(appendLocked(input));
      } finally {
        db.pragma(`synchronous = ${previous}`);
      }
    },

    list(query = {}) {
      const { where, params } = filters(query);
      const limit = query.limit ?? DEFAULT_LIMIT;
      const offset = query.offset ?? 0;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new HearthError('invalid', `audit: limit must be 1..${MAX_LIMIT}`);
      if (!Number.isInteger(offset) || offset < 0) throw new HearthError('invalid', 'audit: offset must be 0 or more');
      const sql = `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ? OFFSET ?`;
      return (db.prepare(sql).all(...params, limit, offset) as AuditRow[]).map(rowToEntry);
    },

    count(query = {}) {
      const { where, params } = filters(query);
      return db.prepare(`SELECT count(*) FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`).pluck().get(...params) as number;
    },

    verify: () => verifyAuditChain(db),
  };
}
