import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { accountsOf } from '../accounts/accounts-service.ts';
import { SYSTEM_MIGRATIONS } from '../instance/system-schema.ts';
import { randomKey } from '../keys/key-derivation.ts';
import { openEncryptedDatabase } from '../storage/encrypted-database.ts';
import { migrate } from '../storage/migrations.ts';
import { backoffMs, loginLimiterOf, TooManyAttempts } from './login-limiter.ts';
import { DEFAULT_ABSOLUTE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, sessionsOf } from './sessions-service.ts';

let instance: Awaited<ReturnType<typeof tempInstance>>;
let alice: string;
let bob: string;
let clock = 1_700_000_000_000;
const now = () => clock;

beforeAll(async () => {
  instance = await tempInstance();
  const accounts = accountsOf(instance.system);
  alice = (await accounts.createOwner('alice', 'correct horse battery')).id;
  bob = (await accounts.addAccount('bob', 'another long secret')).id;
});
afterAll(() => instance.dispose());

describe('system migration 4 (sessions)', () => {
  it('opens a database from migration 3 with its accounts and adds the session tables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-mig4-'));
    const db = openEncryptedDatabase(join(dir, 's.db'), randomKey(), { create: true });
    try {
      migrate(db, SYSTEM_MIGRATIONS.slice(0, 3), 'system');
      db.prepare("INSERT INTO accounts (id, username, password_hash, created_at, password_changed_at) VALUES ('a1', 'ann', 'x', 't', 't')").run();
      migrate(db, SYSTEM_MIGRATIONS, 'system');
      db.prepare("INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at) VALUES ('h', 'a1', 1, 1)").run();
      db.prepare("INSERT INTO login_failures (account_key, at) VALUES ('ann', 1)").run();
      expect(db.prepare('SELECT username FROM accounts').get()).toEqual({ username: 'ann' });
      expect(db.prepare('SELECT account_id FROM sessions').get()).toEqual({ account_id: 'a1' });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sessions service', () => {
  const sessions = () => sessionsOf(instance.system, { now });

  it('hands out 256-bit base64url ids and stores only their SHA-256', () => {
    const { rawId, session } = sessions().create(alice, { userAgent: 'test', address: '127.0.0.1' });
    expect(rawId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = instance.system.prepare('SELECT id_hash FROM sessions').all() as { id_hash: string }[];
    expect(stored.some((row) => row.id_hash === rawId)).toBe(false);
    expect(stored.some((row) => row.id_hash.startsWith(session.handle))).toBe(true);
    expect(sessions().resolve(rawId)?.accountId).toBe(alice);
    // One character changed (never to itself: a fixed replacement would equal the id 1 time in 64).
    const altered = `${rawId.slice(0, -1)}${rawId.endsWith('A') ? 'B' : 'A'}`;
    expect(sessions().resolve(altered)).toBeUndefined();
  });

  it('ends a session idle for 15 minutes, and any after 12 hours, deleting the row', () => {
    const service = sessions();
    const { rawId, session } = service.create(alice);
    clock += DEFAULT_IDLE_TIMEOUT_MS - 1000;
    expect(service.resolve(rawId)).toBeDefined(); // touching moves last_seen_at
    clock += DEFAULT_IDLE_TIMEOUT_MS - 1000;
    expect(service.resolve(rawId)).toBeDefined();
    clock += DEFAULT_IDLE_TIMEOUT_MS;
    expect(service.resolve(rawId)).toBeUndefined();
    expect(service.listFor(alice).map((s) => s.handle)).not.toContain(session.handle);

    const long = service.create(alice);
    for (let spent = 0; spent < DEFAULT_ABSOLUTE_TIMEOUT_MS - 10 * 60_000; spent += 10 * 60_000) {
      clock += 10 * 60_000;
      expect(service.resolve(long.rawId)).toBeDefined();
    }
    clock += 10 * 60_000;
    expect(service.resolve(long.rawId)).toBeUndefined();
  });

  it('writes last-seen at most every 30 s, so a busy session is not a commit per request', () => {
    const service = sessions();
    const { rawId, session } = service.create(alice);
    const lastSeen = () => (instance.system.prepare('SELECT last_seen_at AS at FROM sessions WHERE account_id = ?').get(alice) as { at: number }).at;
    clock += 29_000;
    expect(service.resolve(rawId)?.lastSeenAt).toBe(session.lastSeenAt);
    expect(lastSeen()).toBe(session.lastSeenAt);
    clock += 2_000;
    expect(service.resolve(rawId)?.lastSeenAt).toBe(clock);
    expect(lastSeen()).toBe(clock);
  });

  it('ends one, all but one, or one by handle, only for its own account', () => {
    const service = sessions();
    service.endAllFor(alice);
    const one = service.create(alice);
    const two = service.create(alice);
    const three = service.create(alice);
    const bobs = service.create(bob);
    expect(service.endByHandle(bob, one.session.handle)).toBe(false);
    expect(service.endByHandle(alice, one.session.handle)).toBe(true);
    expect(service.resolve(one.rawId)).toBeUndefined();
    expect(service.endAllFor(alice, two.rawId)).toBe(1);
    expect(service.resolve(three.rawId)).toBeUndefined();
    expect(service.listFor(alice).map((s) => s.handle)).toEqual([two.session.handle]);
    expect(service.end(two.rawId)).toBe(true);
    expect(service.resolve(bobs.rawId)?.accountId).toBe(bob);
  });
});

describe('login limiter', () => {
  it('backs off after 5 failures, doubling from 250 ms up to 5 s', () => {
    expect([0, 4, 5, 6, 7, 9, 10, 50].map(backoffMs)).toEqual([0, 0, 250, 500, 1000, 4000, 5000, 5000]);
  });

  it('refuses past the limit without evaluating, forgets failures after an hour and after a success', async () => {
    const delays: number[] = [];
    const limiter = loginLimiterOf(instance.system, { now, maxFailuresPerHour: 3, sleep: async (ms) => void delays.push(ms) });
    let evaluated = 0;
    const fail = () => limiter.guard('Carol', async () => {
      evaluated += 1;
      throw new Error('wrong');
    });
    for (let i = 0; i < 3; i += 1) await expect(fail()).rejects.toThrow('wrong');
    await expect(limiter.guard('carol', async () => 'ok')).rejects.toBeInstanceOf(TooManyAttempts);
    expect(evaluated).toBe(3);
    clock += 60 * 60_000 + 1;
    await expect(limiter.guard('CAROL', async () => 'ok')).resolves.toBe('ok');
    for (let i = 0; i < 3; i += 1) await expect(fail()).rejects.toThrow('wrong');
    expect(evaluated).toBe(6);
  });
});
