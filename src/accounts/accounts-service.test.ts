import { hash, type Algorithm } from '@node-rs/argon2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { HearthError } from '../errors/hearth-error.ts';
import { SYSTEM_MIGRATIONS } from '../instance/system-schema.ts';
import { randomKey } from '../keys/key-derivation.ts';
import { openEncryptedDatabase } from '../storage/encrypted-database.ts';
import { migrate } from '../storage/migrations.ts';
import { accountsRepository } from './accounts-repository.ts';
import { accountsOf, LOGIN_FAILED, type AccountsService } from './accounts-service.ts';

const PASSWORD = 'ember-lantern-quiet';

let instance: Awaited<ReturnType<typeof tempInstance>>;
let accounts: AccountsService;
beforeEach(async () => {
  instance = await tempInstance();
  accounts = accountsOf(instance.system);
});
afterEach(() => instance.dispose());

async function failure(work: Promise<unknown> | (() => unknown)): Promise<HearthError> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    expect(error).toBeInstanceOf(HearthError);
    return error as HearthError;
  }
  throw new Error('expected a HearthError');
}

describe('accounts', () => {
  it('stores the argon2id hash and never returns it', async () => {
    const added = await accounts.addAccount('alice', PASSWORD);
    const stored = instance.system.prepare('SELECT password_hash FROM accounts WHERE id = ?').pluck().get(added.id) as string;
    expect(stored.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    const listed = JSON.stringify(accounts.list());
    expect(listed).toContain('alice');
    expect(listed).not.toContain('argon2');
    expect(listed).not.toContain(PASSWORD);
    expect(Object.keys(accounts.list()[0]!).sort()).toEqual(['createdAt', 'disabledAt', 'id', 'isOwner', 'passwordChangedAt', 'username']);
  });

  it('checks usernames and refuses a taken one, whatever its case', async () => {
    for (const bad of ['', 'a'.repeat(65), 'has space', 'semi;colon', 'ünï']) {
      expect((await failure(accounts.addAccount(bad, PASSWORD))).code).toBe('invalid');
    }
    await accounts.addAccount('a.b_c-d@home', PASSWORD);
    await accounts.addAccount('x'.repeat(64), PASSWORD);
    expect((await failure(accounts.addAccount('A.B_C-D@HOME', PASSWORD))).code).toBe('conflict');
  });

  it('applies the password policy', async () => {
    expect((await failure(accounts.addAccount('bob', 'short12'))).message).toMatch(/at least 8/);
    expect((await failure(accounts.addAccount('bob', 'qwerty123'))).message).toMatch(/commonly used/);
    expect(accounts.list()).toEqual([]);
  });

  it('has at most one instance owner, and it cannot be disabled', async () => {
    const owner = await accounts.createOwner('root', PASSWORD);
    expect(owner.isOwner).toBe(true);
    expect((await failure(accounts.createOwner('second', PASSWORD))).message).toMatch(/already has an owner/);
    // The database refuses a second owner even past the service.
    const repository = accountsRepository(instance.system);
    const at = new Date().toISOString();
    expect(() =>
      repository.insert({ id: 'x', username: 'sneaky', isOwner: true, createdAt: at, disabledAt: null, passwordChangedAt: at }, 'h'),
    ).toThrow(/UNIQUE/);
    expect((await failure(() => accounts.disable('root'))).message).toMatch(/only owner/);
    expect(accounts.list().map((a) => a.username)).toEqual(['root']);
  });

  it('resets a password: the old one stops working, the new one works', async () => {
    await accounts.addAccount('alice', PASSWORD);
    const before = accounts.byUsername('alice')!.passwordChangedAt;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const reset = await accounts.resetPassword('alice', 'another-good-phrase');
    expect(reset.passwordChangedAt > before).toBe(true);
    expect((await failure(accounts.authenticate('alice', PASSWORD))).message).toBe(LOGIN_FAILED);
    expect((await accounts.authenticate('alice', 'another-good-phrase')).username).toBe('alice');
    expect((await failure(accounts.resetPassword('alice', 'password1'))).code).toBe('invalid');
    expect((await failure(accounts.resetPassword('nobody', 'another-good-phrase'))).code).toBe('not-found');
  });

  it('authenticates with one identical error for an unknown user, a wrong password and a disabled account', async () => {
    await accounts.addAccount('alice', PASSWORD);
    await accounts.addAccount('carol', PASSWORD);
    accounts.disable('carol');
    expect((await accounts.authenticate('ALICE', PASSWORD)).username).toBe('alice');
    const errors = await Promise.all([
      failure(accounts.authenticate('nobody', PASSWORD)),
      failure(accounts.authenticate('alice', 'wrong-password-here')),
      failure(accounts.authenticate('carol', PASSWORD)),
      failure(accounts.authenticate('bad name!', PASSWORD)),
    ]);
    for (const error of errors) {
      expect(error.message).toBe('unknown user or wrong password');
      expect(error.code).toBe('forbidden');
      expect(error.issues).toEqual([]);
    }
  });

  it('spends the same argon2 work on an unknown user as on a wrong password', async () => {
    await accounts.addAccount('alice', PASSWORD);
    const time = async (username: string) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 3; i++) await failure(accounts.authenticate(username, 'wrong-password-here'));
      return Number(process.hrtime.bigint() - start) / 3e6;
    };
    await time('alice');
    const known = await time('alice');
    const unknown = await time('nobody');
    // An unknown user that skipped argon2 would answer in well under a millisecond.
    expect(unknown).toBeGreaterThan(known * 0.2);
    expect(unknown).toBeLessThan(known * 5);
  });

  it('rehashes a weaker stored hash at the next successful login', async () => {
    const alice = await accounts.addAccount('alice', PASSWORD);
    const weak = await hash(PASSWORD, { memoryCost: 8192, timeCost: 1, parallelism: 1, algorithm: 2 as Algorithm });
    instance.system.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?').run(weak, alice.id);
    const stored = () => instance.system.prepare('SELECT password_hash FROM accounts WHERE id = ?').pluck().get(alice.id) as string;
    await failure(accounts.authenticate('alice', 'wrong-password-here'));
    expect(stored()).toBe(weak);
    await accounts.authenticate('alice', PASSWORD);
    expect(stored().startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(accounts.byUsername('alice')!.passwordChangedAt).toBe(alice.passwordChangedAt);
  });

  it('grants, changes and revokes roles for existing people only', async () => {
    const alice = await accounts.addAccount('alice', PASSWORD);
    const person = instance.people.add('Ada');
    expect(accounts.grant(alice.id, person.id, 'viewer').role).toBe('viewer');
    accounts.grant(alice.id, person.id, 'manager');
    expect(accounts.grantsOf(alice.id).map((g) => [g.personId, g.role])).toEqual([[person.id, 'manager']]);
    expect((await failure(() => accounts.grant(alice.id, 'no-such-person', 'viewer'))).code).toBe('not-found');
    expect((await failure(() => accounts.grant(alice.id, person.id, 'admin' as never))).code).toBe('invalid');
    expect((await failure(() => accounts.grant('no-account', person.id, 'viewer'))).code).toBe('not-found');
    expect(accounts.revoke(alice.id, person.id)).toBe(true);
    expect(accounts.revoke(alice.id, person.id)).toBe(false);
    expect(accounts.grantsOf(alice.id)).toEqual([]);
  });

  it('writes an account and its grants together: a bad grant adds nothing', async () => {
    const person = instance.people.add('Ada');
    await failure(accounts.addAccount('alice', PASSWORD, [{ personId: person.id, role: 'viewer' }, { personId: 'missing', role: 'viewer' }]));
    expect(accounts.list()).toEqual([]);
    const alice = await accounts.addAccount('alice', PASSWORD, [{ personId: person.id, role: 'owner' }]);
    expect(accounts.grantsOf(alice.id).map((g) => g.role)).toEqual(['owner']);
  });
});

describe('system migration 3', () => {
  it('adds accounts and grants to a system database at migration 2, keeping its people', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-accounts-mig-'));
    const db = openEncryptedDatabase(join(dir, 'system.db'), randomKey(), { create: true });
    try {
      migrate(db, SYSTEM_MIGRATIONS.slice(0, 2), 'system');
      db.prepare('INSERT INTO people (id, name, created_at) VALUES (?, ?, ?)').run('p1', 'Ada', '2026-01-01T00:00:00.000Z');
      migrate(db, SYSTEM_MIGRATIONS, 'system');
      expect(SYSTEM_MIGRATIONS[2]).toMatchObject({ id: 3, name: 'accounts and grants' });
      expect(db.prepare('SELECT name FROM people').pluck().all()).toEqual(['Ada']);
      db.prepare("INSERT INTO accounts (id, username, password_hash, created_at, password_changed_at) VALUES ('a1', 'alice', 'h', 't', 't')").run();
      db.prepare("INSERT INTO grants (account_id, person_id, role, created_at) VALUES ('a1', 'p1', 'viewer', 't')").run();
      expect(() => db.prepare("INSERT INTO grants (account_id, person_id, role, created_at) VALUES ('a1', 'p2', 'viewer', 't')").run()).toThrow(/FOREIGN KEY/);
      expect(() => db.prepare("UPDATE grants SET role = 'admin'").run()).toThrow(/CHECK/);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
