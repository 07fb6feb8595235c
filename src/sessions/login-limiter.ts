import { setTimeout as wait } from 'node:timers/promises';
import { HearthError } from '../errors/hearth-error.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { sessionsRepository, type SessionsRepository } from './sessions-repository.ts';

/** ASVS 4.0.3 2.2.1: at most 100 evaluated failed logins per account per hour. */
export const DEFAULT_MAX_FAILURES_PER_HOUR = 100;
const HOUR_MS = 60 * 60_000;
const FREE_FAILURES = 5;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/** The refusal past the limit; the password was not looked at. */
export class TooManyAttempts extends HearthError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('too-many', 'too many failed sign-ins for this account; try again later');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** No delay for the first 5 recent failures, then 250 ms doubling per failure, at most 5 s. */
export function backoffMs(recentFailures: number): number {
  if (recentFailures < FREE_FAILURES) return 0;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(recentFailures - FREE_FAILURES, 16));
}

export interface LoginLimiterDeps {
  repository: SessionsRepository;
  now?: () => number;
  maxFailuresPerHour?: number;
  /** How the backoff waits; tests pass one that records and returns at once. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Failed-login limiting per account, whatever the source address (so a botnet gains nothing).
 * The key is the lowercased username whether or not such an account exists: an unknown name is
 * limited and delayed exactly like a real one, so the limiter cannot be used to find usernames.
 */
export function loginLimiter({ repository, now = Date.now, maxFailuresPerHour = DEFAULT_MAX_FAILURES_PER_HOUR, sleep = (ms) => wait(ms).then(() => undefined) }: LoginLimiterDeps) {
  const keyOf = (username: string) => username.toLowerCase().slice(0, 256);

  return {
    /**
     * Runs `evaluate` (the password check) unless the account is over its limit. The failure is
     * counted before evaluating and forgiven on success: parallel guesses cannot all slip in
     * under the limit while the (slow) argon2 checks run.
     */
    async guard<T>(username: string, evaluate: () => Promise<T>): Promise<T> {
      const key = keyOf(username);
      const at = now();
      let recent = 0;
      let refusedFor: number | undefined;
      repository.transaction(() => {
        repository.pruneFailures(key, at - HOUR_MS);
        const { count, oldest } = repository.failuresSince(key, at - HOUR_MS);
        if (count >= maxFailuresPerHour) {
          refusedFor = Math.max(1, Math.ceil(((oldest ?? at) + HOUR_MS - at) / 1000));
          return;
        }
        repository.addFailure(key, at);
        recent = count;
      });
      if (refusedFor !== undefined) throw new TooManyAttempts(refusedFor);
      const delay = backoffMs(recent);
      if (delay > 0) await sleep(delay);
      const result = await evaluate();
      repository.clearFailures(key);
      return result;
    },
  };
}

export type LoginLimiter = ReturnType<typeof loginLimiter>;

export function loginLimiterOf(system: SqliteDatabase, options: Omit<LoginLimiterDeps, 'repository'> = {}): LoginLimiter {
  return loginLimiter({ repository: sessionsRepository(system), ...options });
}
