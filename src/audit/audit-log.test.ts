import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { tempVault } from '../../test/helpers/temp-vault.ts';
import { deriveKey, randomKey } from '../keys/key-derivation.ts';
import { openEncryptedDatabase } from '../storage/encrypted-database.ts';
import { migrate } from '../storage/migrations.ts';
import { openVault } from '../vault/vault.ts';
import { VAULT_MIGRATIONS } from '../vault/vault-schema.ts';
import { GENESIS_HASH } from './audit-entry.ts';
import { auditLog, type AuditLog } from './index.ts';

let vault: ReturnType<typeof tempVault>;
let log: AuditLog;
let clock: number;

beforeEach(() => {
  vault = tempVault();
  clock = Date.parse('2026-03-01T10:00:00.000Z');
  log = auditLog(vault.db, { now: () => new Date((clock += 60_000)) });
});
afterEach(() => vault.dispose());

function fill(count: number): void {
  for (let index = 0; index < count; index++) {
    log.append({
      actor: 'account-1',
      personId: 'person-1',
      action: index % 2 === 0 ? 'read' : 'search',
      what: index % 2 === 0 ? { type: 'Observation', ids: [`obs-${index}`] } : { type: 'Observation', query: 'code=1234-5&_count=10' },
      outcome: 'success',
      sourceAddress: '127.0.0.1',
      requestId: `req-${index}`,
    });
  }
}

describe('audit log: append and list', () => {
  it('assigns seqs, links each entry to the one before and lists them back', () => {
    const first = log.append({ actor: 'account-1', action: 'login', outcome: 'failure', sourceAddress: '192.0.2.7' });
    const second = log.append({
      actor: 'app-7',
      onBehalfOf: 'account-1',
      personId: 'person-1',
      action: 'read',
      what: { type: 'Patient', ids: ['p1'] },
      outcome: 'success',
      requestId: 'r-2',
    });
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, recordedAt: '2026-03-01T10:01:00.000Z' });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, onBehalfOf: 'account-1', what: { type: 'Patient', ids: ['p1'] } });
    expect(log.list()).toEqual([first, second]);
    expect(first).not.toHaveProperty('personId');
  });

  it('appends a relaxed entry into the same chain, without a synchronous commit, then restores FULL', () => {
    const synchronous = () => vault.db.pragma('synchronous', { simple: true });
    expect(synchronous()).toBe(2);
    const seen: unknown[] = [];
    const spy = auditLog(vault.db, { now: () => new Date((clock += 60_000)) });
    const original = vault.db.pragma.bind(vault.db);
    // Records the levels the appends set around their commits.
    vault.db.pragma = ((source: string, options?: { simple?: boolean }) => {
      if (source.startsWith('synchronous =')) seen.push(source);
      return original(source, options);
    }) as typeof vault.db.pragma;
    const first = spy.append({ actor: 'a', action: 'read', outcome: 'success' }, { relaxed: true });
    const second = spy.append({ actor: 'a', action: 'read', outcome: 'success' });
    vault.db.pragma = original;
    expect(seen).toEqual(['synchronous = NORMAL', 'synchronous = 2']);
    expect(synchronous()).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    expect(spy.verify().ok).toBe(true);
  });

  it('filters by time, action, limit and offset', () => {
    fill(6); // recorded 10:01 … 10:06
    expect(log.list({ action: 'search' }).map((e) => e.seq)).toEqual([2, 4, 6]);
    expect(log.list({ from: '2026-03-01T10:02:00Z', to: '2026-03-01T10:04:00Z' }).map((e) => e.seq)).toEqual([2, 3]);
    expect(log.list({ from: '2026-03-01T11:02:00+01:00' }).map((e) => e.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(log.list({ limit: 2, offset: 3 }).map((e) => e.seq)).toEqual([4, 5]);
    expect(() => log.list({ limit: 0 })).toThrow(/limit/);
    expect(() => log.list({ from: 'yesterday' })).toThrow(/not a date/);
  });

  it('counts what the same filters list, whatever the page', () => {
    fill(6);
    expect(log.count()).toBe(6);
    expect(log.count({ action: 'search' })).toBe(3);
    expect(log.count({ from: '2026-03-01T10:02:00Z', to: '2026-03-01T10:04:00Z' })).toBe(2);
    expect(log.count({ action: 'login' })).toBe(0);
    expect(() => log.count({ to: 'soon' })).toThrow(/not a date/);
  });

  it('refuses credentials and free text where typed values belong', () => {
    expect(() => log.append({ actor: 'a', action: 'search', what: { query: 'name=x&access_token=abc' }, outcome: 'success' })).toThrow(/credential/);
    expect(() => log.append({ actor: 'a', action: 'read', what: { type: 'Patient', ids: ['password is hunter2'] }, outcome: 'success' })).toThrow(/FHIR ids/);
    expect(() => log.append({ actor: 'a', action: 'read', what: { ids: ['x'] }, outcome: 'success' })).toThrow(/resource type/);
    expect(() => log.append({ actor: '', action: 'read', outcome: 'success' })).toThrow(/actor/);
    expect(() => log.append({ actor: 'a', action: 'peek' as never, outcome: 'success' })).toThrow(/action/);
    expect(log.list()).toEqual([]);
  });

  it('appends inside a caller transaction and rolls back with it', () => {
    fill(2);
    expect(() =>
      vault.db.transaction(() => {
        log.append({ actor: 'a', action: 'write', what: { type: 'Observation', ids: ['o'] }, outcome: 'success' });
        throw new Error('write failed');
      })(),
    ).toThrow('write failed');
    log.append({ actor: 'a', action: 'write', what: { type: 'Observation', ids: ['o'] }, outcome: 'failure' });
    expect(log.list().map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(log.verify()).toEqual({ ok: true, entries: 3 });
  });

  it('writes account events to the system database', async () => {
    const instance = await tempInstance();
    try {
      const system = auditLog(instance.system);
      system.append({ actor: 'owner', action: 'login', outcome: 'success', sourceAddress: '::1', requestId: 'r1' });
      system.append({ actor: 'owner', action: 'setting', outcome: 'success' });
      system.append({ actor: 'owner', action: 'logout', outcome: 'success' });
      expect(system.verify()).toEqual({ ok: true, entries: 3 });
      instance.system.exec('UPDATE audit_log SET outcome = \'failure\' WHERE seq = 1');
      expect(system.verify()).toMatchObject({ ok: false, problem: { seq: 1, kind: 'edited' } });
    } finally {
      instance.dispose();
    }
  });

  it('works in a vault created before the audit log existed (migration 1 only)', () => {
    const path = join(vault.dir, 'old.db');
    const dataKey = randomKey();
    const old = openEncryptedDatabase(path, deriveKey(dataKey, 'vault-db'), { create: true });
    migrate(old, VAULT_MIGRATIONS.slice(0, 1), 'vault');
    old.close();
    const upgraded = openVault(path, 'person-2', dataKey);
    try {
      const upgradedLog = auditLog(upgraded.db);
      expect(upgradedLog.verify()).toEqual({ ok: true, entries: 0 });
      upgradedLog.append({ actor: 'a', action: 'import', outcome: 'success' });
      expect(upgradedLog.verify()).toEqual({ ok: true, entries: 1 });
    } finally {
      upgraded.close();
    }
  });
});
