import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountsOf } from '../accounts/accounts-service.ts';
import { invitesService } from '../accounts/invites.ts';
import { totpService } from '../accounts/totp.ts';
import { auditLog } from '../audit/index.ts';
import { importFiles } from '../import/import-service.ts';
import { vaultPath } from '../instance/data-dir.ts';
import { openInstance } from '../instance/instance.ts';
import { searchVault } from '../search/search-vault.ts';
import { sessionsOf } from '../sessions/sessions-service.ts';
import { sourcesRepository } from '../sources/sources-repository.ts';
import { canaryForms } from '../../test/helpers/canary.ts';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { deletionService, type Requester } from './deletion-service.ts';

const CANARY = 'Xylophage-93qz';
const OTHER = 'Marmalade-41kp';
const cli: Requester = { actor: { kind: 'cli' }, auditActor: 'cli:test' };
const ndjson = (records: object[]) => Buffer.from(records.map((r) => JSON.stringify(r)).join('\n'));

let instance: Awaited<ReturnType<typeof tempInstance>>;
beforeEach(async () => {
  instance = await tempInstance();
});
afterEach(() => instance.dispose());

async function importInto(personId: string, label: string, records: object[]): Promise<void> {
  const [report] = await importFiles(instance, { actor: 'cli:test', paths: [{ name: `${label}.ndjson`, bytes: ndjson(records) }], target: { kind: 'person', personId }, sourceLabel: label });
  expect(report!.errorCount).toBe(0);
}

const patient = (id: string, family: string) => ({ resourceType: 'Patient', id, name: [{ family }] });
const condition = (id: string, text: string) => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p1' }, code: { text }, note: [{ text }] });

function countRows(db: import('../storage/encrypted-database.ts').SqliteDatabase, sql: string, ...params: unknown[]): number {
  return db.prepare(sql).pluck().get(...params) as number;
}

describe('source deletion', () => {
  it("removes exactly that source's records, versions, index, FTS, id mappings and imports", async () => {
    const ann = instance.people.add('Ann Example');
    await importInto(ann.id, 'clinic-a', [patient('p1', CANARY), condition('c1', `${CANARY} asthma`)]);
    // An update from the same source: the record's second version is that source's too.
    await importInto(ann.id, 'clinic-a', [condition('c1', `${CANARY} severe asthma`)]);
    await importInto(ann.id, 'clinic-b', [patient('p1', OTHER), condition('c9', `${OTHER} eczema`)]);
    const service = deletionService(instance);
    const listed = service.listSources(cli, ann.id);
    expect(listed.map((s) => [s.label, s.records])).toEqual([['clinic-a', 2], ['clinic-b', 2]]);
    const clinicA = listed[0]!.id;

    const result = await service.deleteSource(cli, clinicA);
    expect(result).toEqual({ personId: ann.id, records: 2 });

    const vault = instance.people.openVault(ann.id);
    try {
      const db = vault.db;
      expect(countRows(db, 'SELECT count(*) FROM resources')).toBe(2);
      expect(countRows(db, 'SELECT count(*) FROM resources WHERE source_id = ?', clinicA)).toBe(0);
      expect(countRows(db, 'SELECT count(*) FROM resource_versions WHERE source_id = ?', clinicA)).toBe(0);
      expect(countRows(db, 'SELECT count(*) FROM source_ids WHERE source_id = ?', clinicA)).toBe(0);
      expect(countRows(db, 'SELECT count(*) FROM imports WHERE source_id = ?', clinicA)).toBe(0);
      expect(countRows(db, 'SELECT count(*) FROM import_files WHERE import_id NOT IN (SELECT id FROM imports)')).toBe(0);
      for (const table of ['idx_token', 'idx_string', 'idx_date', 'idx_reference']) {
        expect(countRows(db, `SELECT count(*) FROM ${table} WHERE rid NOT IN (SELECT rid FROM resources)`), table).toBe(0);
      }
      expect(countRows(db, 'SELECT count(*) FROM resource_text WHERE rowid NOT IN (SELECT rid FROM resources)')).toBe(0);
      expect(countRows(db, 'SELECT count(*) FROM resource_text WHERE resource_text MATCH ?', `"${CANARY}"`)).toBe(0);
      // Nothing in the JSON of any version either.
      expect(countRows(db, 'SELECT count(*) FROM resource_versions WHERE json LIKE ?', `%${CANARY}%`)).toBe(0);
      expect(searchVault(db, `Condition?_text=${CANARY}`).total).toBe(0);
      expect(searchVault(db, 'Patient').total).toBe(1);
      const other = searchVault(db, `Condition?_text=${OTHER}`);
      expect(other.total).toBe(1);
      expect(JSON.stringify(other.resources)).toContain('eczema');
      // The source deletion is in the person's trail too.
      expect(auditLog(db).list({ action: 'delete' })).toHaveLength(1);
    } finally {
      vault.close();
    }
    expect(sourcesRepository(instance.system).get(clinicA)).toBeUndefined();
    const tombstone = auditLog(instance.system).list({ action: 'delete' });
    expect(tombstone).toEqual([expect.objectContaining({ actor: 'cli:test', personId: ann.id, outcome: 'success', what: { query: `deleted=source&source=${clinicA}` } })]);
    expect(JSON.stringify(tombstone)).not.toContain('clinic-a');
    await expect(service.deleteSource(cli, clinicA)).rejects.toThrow('no such source');
  });

  it("refuses a source named under another person (the same 404 as an unknown one)", async () => {
    const ann = instance.people.add('Ann');
    const bob = instance.people.add('Bob');
    await importInto(bob.id, 'lab', [patient('p1', OTHER)]);
    const bobSource = sourcesRepository(instance.system).listForPerson(bob.id)[0]!.id;
    await expect(deletionService(instance).deleteSource(cli, bobSource, ann.id)).rejects.toThrow('no such source');
    expect(sourcesRepository(instance.system).get(bobSource)).toBeDefined();
  });
});

describe('person deletion', () => {
  it('removes the vault files, the data key, rows, grants, sources, links and invites; others stay', async () => {
    const ann = instance.people.add('Ann Zebradottir');
    const bob = instance.people.add('Bob Keeps');
    await importInto(ann.id, 'clinic', [patient('p1', CANARY), condition('c1', CANARY)]);
    await importInto(bob.id, 'clinic', [patient('p1', OTHER)]);
    instance.system.prepare("INSERT INTO settings (key, value) VALUES ('person-link:ann-1', ?)").run(ann.id);
    instance.system.prepare("INSERT INTO settings (key, value) VALUES ('person-link:ann-2', ?)").run(ann.id);
    const accounts = accountsOf(instance.system);
    const owner = await accounts.createOwner('owner', 'a long enough password');
    const carol = await accounts.addAccount('carol', 'another long password', [{ personId: ann.id, role: 'viewer' }, { personId: bob.id, role: 'viewer' }]);
    const invites = invitesService({ db: instance.system });
    invites.create(owner.id, [{ personId: ann.id, role: 'viewer' }]);
    const bobInvite = invites.create(owner.id, [{ personId: bob.id, role: 'viewer' }]);

    const path = vaultPath(instance.paths, ann.id);
    const backupDir = mkdtempSync(join(tmpdir(), 'hearth-backup-copy-'));
    const copy = join(backupDir, 'vault-copy.db');
    try {
      // A backup taken before the deletion: the file as it is on disk, checkpointed.
      const vault = instance.people.openVault(ann.id);
      vault.db.pragma('wal_checkpoint(TRUNCATE)');
      copyFileSync(path, copy);
      vault.close();

      await deletionService(instance).deletePerson(cli, ann.id);

      for (const suffix of ['', '-wal', '-shm', '-journal']) expect(existsSync(`${path}${suffix}`)).toBe(false);
      const system = instance.system;
      expect(instance.people.list().map((p) => p.id)).toEqual([bob.id]);
      expect(countRows(system, 'SELECT count(*) FROM person_keys WHERE person_id = ?', ann.id)).toBe(0);
      expect(countRows(system, 'SELECT count(*) FROM grants WHERE person_id = ?', ann.id)).toBe(0);
      expect(countRows(system, 'SELECT count(*) FROM grants WHERE account_id = ?', carol.id)).toBe(1);
      expect(countRows(system, 'SELECT count(*) FROM sources WHERE person_id = ?', ann.id)).toBe(0);
      expect(countRows(system, "SELECT count(*) FROM settings WHERE key LIKE 'person-link:%' AND value = ?", ann.id)).toBe(0);
      expect(countRows(system, 'SELECT count(*) FROM invite_grants WHERE person_id = ?', ann.id)).toBe(0);
      expect(countRows(system, 'SELECT count(*) FROM invites')).toBe(1);
      expect(invites.byToken(bobInvite.token)).toBeDefined();
      // The WAL that could hold the old pages is emptied.
      expect(statSync(`${instance.paths.systemDb}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
      // Bob's records are untouched.
      const bobVault = instance.people.openVault(bob.id);
      expect(countRows(bobVault.db, 'SELECT count(*) FROM resources')).toBe(1);
      bobVault.close();

      // Tombstone: ids only, never the name.
      const entries = auditLog(system).list({ limit: 10_000 });
      expect(entries.at(-1)).toMatchObject({ actor: 'cli:test', personId: ann.id, action: 'delete', outcome: 'success', what: { query: 'deleted=person' } });
      expect(JSON.stringify(entries)).not.toContain('Zebradottir');

      // Crypto-shredding: the same instance and master key, opened afresh, cannot open the copy.
      expect(() => instance.people.openVault(ann.id)).toThrow(/no person/);
      const reopened = await openInstance(instance.paths.root, {} as NodeJS.ProcessEnv);
      try {
        expect(() => reopened.people.openVault(ann.id)).toThrow(/no person/);
        expect(countRows(reopened.system, 'SELECT count(*) FROM person_keys')).toBe(1);
      } finally {
        reopened.close();
      }
      const raw = readFileSync(copy);
      for (const form of canaryForms(CANARY)) expect(raw.includes(form)).toBe(false);
    } finally {
      rmSync(backupDir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown person with the one 404 and changes nothing', async () => {
    instance.people.add('Ann');
    await expect(deletionService(instance).deletePerson(cli, '00000000-0000-0000-0000-000000000000')).rejects.toThrow('no such person');
    expect(instance.people.list()).toHaveLength(1);
  });

  it('refuses a wrong confirmation before touching anything', async () => {
    const ann = instance.people.add('Ann Example');
    await expect(deletionService(instance).deletePerson(cli, ann.id, 'Ann')).rejects.toThrow("does not match the person's name");
    expect(existsSync(vaultPath(instance.paths, ann.id))).toBe(true);
    await deletionService(instance).deletePerson(cli, ann.id, ' Ann Example ');
    expect(instance.people.list()).toEqual([]);
  });

  it('sweeps vault files left without a person (a deletion stopped between key and files)', () => {
    const ann = instance.people.add('Ann');
    const path = vaultPath(instance.paths, ann.id);
    instance.system.prepare('DELETE FROM person_keys WHERE person_id = ?').run(ann.id);
    instance.system.prepare('DELETE FROM people WHERE id = ?').run(ann.id);
    // A fresh file may be a person being added by another process right now: kept.
    expect(deletionService(instance).removeOrphanVaults()).toBe(0);
    expect(existsSync(path)).toBe(true);
    expect(deletionService(instance).removeOrphanVaults(0)).toBeGreaterThan(0);
    expect(existsSync(path)).toBe(false);
  });
});

describe('account deletion', () => {
  it('removes the account, its sessions, grants, TOTP, recovery codes and invites; people stay', async () => {
    const ann = instance.people.add('Ann');
    const accounts = accountsOf(instance.system);
    const owner = await accounts.createOwner('owner', 'a long enough password');
    const carol = await accounts.addAccount('carol', 'another long password', [{ personId: ann.id, role: 'owner' }]);
    sessionsOf(instance.system).create(carol.id);
    const totp = totpService({ db: instance.system, sealKey: instance.totpSeedKey });
    const setup = totp.begin(carol.id, 'carol');
    totp.confirm(carol.id, new TOTP({ secret: Secret.fromBase32(setup.secret), digits: 6, period: 30 }).generate());
    invitesService({ db: instance.system }).create(carol.id, [{ personId: ann.id, role: 'viewer' }]);
    const service = deletionService(instance);

    await expect(Promise.resolve().then(() => service.deleteAccount(cli, owner.id))).rejects.toThrow('cannot be deleted while other accounts exist');
    service.deleteAccount(cli, carol.id);
    const system = instance.system;
    for (const [table, column] of [['accounts', 'id'], ['sessions', 'account_id'], ['grants', 'account_id'], ['account_totp', 'account_id'], ['recovery_codes', 'account_id'], ['invites', 'created_by']]) {
      expect(countRows(system, `SELECT count(*) FROM ${table} WHERE ${column} = ?`, carol.id), table).toBe(0);
    }
    expect(instance.people.list().map((p) => p.id)).toEqual([ann.id]);
    expect(auditLog(system).list({ action: 'delete' }).at(-1)).toMatchObject({ what: { query: `deleted=account&account=${carol.id}` } });
    expect(JSON.stringify(auditLog(system).list({ limit: 10_000 }))).not.toContain('carol');
    // The owner goes only as the last account.
    service.deleteAccount(cli, owner.id);
    expect(accounts.list()).toEqual([]);
    expect(() => service.deleteAccount(cli, owner.id)).toThrow('no such account');
  });
});
