import { createHash, randomBytes } from 'node:crypto';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { sessionsRepository, type SessionRow, type SessionsRepository } from './sessions-repository.ts';

/** SECURITY.md "Passwords and sessions": idle timeout 15 min, absolute 12 h. */
export const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;
/** Hex characters of the id hash that name a session to its own account (48 bits). */
const HANDLE_LENGTH = 12;
const RAW_ID = /^[A-Za-z0-9_-]{43}$/;

export interface SessionMeta {
  userAgent?: string | undefined;
  address?: string | undefined;
}

/** A live session, as the HTTP layer sees it. */
export interface Session {
  accountId: string;
  /** A stable public name for the session (never the id itself). */
  handle: string;
  createdAt: number;
  lastSeenAt: number;
  /** When the password was last proved again in this session (POST /api/reauth); null when never. */
  reauthAt: number | null;
}

export interface SessionListing extends Session {
  userAgent: string | null;
  address: string | null;
}

export interface SessionsServiceDeps {
  repository: SessionsRepository;
  /** Milliseconds since the epoch; tests pass their own clock. */
  now?: () => number;
  idleTimeoutMs?: number;
  absoluteTimeoutMs?: number;
}

const hashOf = (rawId: string) => createHash('sha256').update(rawId).digest('hex');
const handleOf = (idHash: string) => idHash.slice(0, HANDLE_LENGTH);

function toListing(row: SessionRow): SessionListing {
  return {
    accountId: row.accountId,
    handle: handleOf(row.idHash),
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    reauthAt: row.reauthAt,
    userAgent: row.userAgent,
    address: row.address,
  };
}

const TOUCH_EVERY_MS = 30_000;

/**
 * Opaque server-side sessions. The id is 32 random bytes (256 bits, base64url) handed to the
 * browser once; the database keeps only its SHA-256, so neither a backup nor a stolen system
 * database can be replayed as a session.
 */
export function sessionsService({ repository, now = Date.now, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS, absoluteTimeoutMs = DEFAULT_ABSOLUTE_TIMEOUT_MS }: SessionsServiceDeps) {
  const expired = (row: SessionRow, at: number) => at - row.lastSeenAt >= idleTimeoutMs || at - row.createdAt >= absoluteTimeoutMs;
  // Last-seen is written at most this often: each write is a synchronous commit (an fsync), which
  // on every request would cap the API's throughput. The idle timeout is then up to this much
  // shorter than configured, never longer.
  const touchEveryMs = Math.min(TOUCH_EVERY_MS, Math.floor(idleTimeoutMs / 30));

  return {
    /** A new session; the raw id goes into the cookie and nowhere else. */
    create(accountId: string, meta: SessionMeta = {}): { rawId: string; session: Session } {
      const at = now();
      repository.deleteExpired(at - idleTimeoutMs, at - absoluteTimeoutMs);
      const rawId = randomBytes(32).toString('base64url');
      const row: SessionRow = {
        idHash: hashOf(rawId),
        accountId,
        createdAt: at,
        lastSeenAt: at,
        userAgent: meta.userAgent?.slice(0, 256) ?? null,
        address: meta.address ?? null,
        reauthAt: null,
      };
      repository.insert(row);
      return { rawId, session: toListing(row) };
    },

    /** The live session for a raw id, its last-seen time moved to now; undefined when unknown or expired (an expired one is deleted). */
    resolve(rawId: string | undefined): Session | undefined {
      if (rawId === undefined || !RAW_ID.test(rawId)) return undefined;
      const idHash = hashOf(rawId);
      const row = repository.get(idHash);
      if (!row) return undefined;
      const at = now();
      if (expired(row, at)) {
        repository.delete(idHash);
        return undefined;
      }
      if (at - row.lastSeenAt < touchEveryMs) return toListing(row);
      repository.touch(idHash, at);
      return { ...toListing(row), lastSeenAt: at };
    },

    /** True when there was such a session. */
    end(rawId: string): boolean {
      return RAW_ID.test(rawId) && repository.delete(hashOf(rawId));
    },

    /** Ends every session of the account (but the one given): after a password change or reset. */
    endAllFor(accountId: string, exceptRawId?: string): number {
      return repository.deleteAllFor(accountId, exceptRawId === undefined ? '' : hashOf(exceptRawId));
    },

    /** The account's live sessions, oldest first. */
    listFor(accountId: string): SessionListing[] {
      const at = now();
      return repository.listFor(accountId).filter((row) => !expired(row, at)).map(toListing);
    },

    /** Ends the account's session with that handle; false when it has none (another account's handle included). */
    endByHandle(accountId: string, handle: string): boolean {
      if (!/^[0-9a-f]{12}$/.test(handle)) return false;
      return repository.deleteByPrefix(accountId, handle) > 0;
    },

    /** Records that the session's password was just proved again (fresh re-authentication). */
    stampReauth(rawId: string): void {
      if (RAW_ID.test(rawId)) repository.stampReauth(hashOf(rawId), now());
    },

    handleOf: (rawId: string) => handleOf(hashOf(rawId)),
  };
}

export type SessionsService = ReturnType<typeof sessionsService>;

export function sessionsOf(system: SqliteDatabase, options: Omit<SessionsServiceDeps, 'repository'> = {}): SessionsService {
  return sessionsService({ repository: sessionsRepository(system), ...options });
}
