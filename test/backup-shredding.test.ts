import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEncrypted } from '../src/backup/archive.ts';
import { loadBackupConfig, type BackupConfig } from '../src/backup/backup-config.ts';
import { backupService } from '../src/backup/backup-service.ts';
import { decryptEscrow, encryptEscrow, ESCROW_FORMAT, type Escrow } from '../src/backup/escrow.ts';
import { restoreBackup } from '../src/backup/restore.ts';
import { describeVault } from '../src/backup/snapshot.ts';
import { deletionService, type Requester } from '../src/deletion/deletion-service.ts';
import { importFiles } from '../src/import/import-service.ts';
import { openInstance } from '../src/instance/instance.ts';
import { loadMasterKey } from '../src/instance/master-key-source.ts';
import { deriveKey } from '../src/keys/key-derivation.ts';
import { sourcesRepository } from '../src/sources/sources-repository.ts';
import { openEncryptedDatabase } from '../src/storage/encrypted-database.ts';
import { canaryForms, filesHolding, filesUnder } from './helpers/canary.ts';
import { databaseHits } from './helpers/db-scan.ts';
import { tempInstance } from './helpers/temp-instance.ts';

const CANARY = 'Shred-Canary-7f3e-Okapi';
const OTHER = 'Keeper-2b9d-Heron';
const cli: Requester = { actor: { kind: 'cli' }, auditActor: 'cli:test' };
const ndjson = (records: object[]) => Buffer.from(records.map((r) => JSON.stringify(r)).join('\n'));
const condition = (id: string, text: string) => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p1' }, code: { text }, note: [{ text }] });

// Issue 6 §2: "backups made before the deletion cannot reveal it either once the data key is
// destroyed (crypto-shredding). Test it: restore a pre-deletion backup after deletion and find none
// of the person's canary strings readable."
describe('crypto-shredding reaches backups (key escrow)', () => {
  let instance: Awaited<ReturnType<typeof tempInstance>>;
  let work: string;
  let config: BackupConfig;
  let identity: string;
  let masterKey: Buffer;
  let ann: string;
  let bob: string;

  async function addPerson(name: string, text: string, label: string): Promise<string> {
    const person = instance.people.add(name);
    const [report] = await importFiles(instance, { actor: 'cli:test', paths: [{ name: 'records.ndjson', bytes: ndjson([condition('c1', text), condition('c2', `More ${text}`)]) }], target: { kind: 'person', personId: person.id }, sourceLabel: label });
    expect(report!.errorCount).toBe(0);
    return person.id;
  }
  const target = (name: string) => join(work, name);
  const escrowIn = async (name: string): Promise<Escrow> => decryptEscrow(readFileSync(join(target(name), 'keys', 'escrow.age')), { identity });
  const service = () => backupService({ instance, config, masterKey, actor: 'cli:test', scryptLogN: 10 });

  beforeEach(async () => {
    instance = await tempInstance();
    work = mkdtempSync(join(tmpdir(), 'hearth-shred-'));
    identity = await generateX25519Identity();
    writeFileSync(join(work, 'id.txt'), `# public key: ${await identityToRecipient(identity)}\n${identity}\n`, { mode: 0o600 });
    // In the data directory's config file: the deletion's default hook reads it from there.
    writeFileSync(join(instance.paths.root, 'hearth.json'), JSON.stringify({ backup: { targets: [target('a'), target('b')], identityFile: join(work, 'id.txt') } }));
    config = loadBackupConfig(instance.paths.root, {});
    masterKey = (await loadMasterKey(instance.paths, {})).key;
    ann = await addPerson(`Ann ${CANARY}`, `Diagnosis ${CANARY}`, `labs ${CANARY}`);
    sourcesRepository(instance.system).findOrCreate(ann, 'provider', `Clinic ${CANARY}`, `https://fhir.example.org/${CANARY}/r4`);
    bob = await addPerson(`Bob ${OTHER}`, `Diagnosis ${OTHER}`, 'notes');
  });
  afterEach(() => {
    instance.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('a pre-deletion backup restored after the deletion holds none of the canaries; the others come back intact', async () => {
    // The scan can find the canary: in the live system database and Ann's live vault before deletion.
    expect(databaseHits(instance.system, CANARY)).toEqual(expect.arrayContaining(['people.name', 'sources.label', 'sources.base_url']));
    const annVault = instance.people.openVault(ann);
    expect(databaseHits(annVault.db, CANARY).length).toBeGreaterThan(0);
    annVault.close();

    const backups = service();
    const before = await backups.create();
    expect(before.status, before.error ?? '').toBe('ok');
    expect(before.manifest!.keysEscrowed).toBe(true);
    expect(Object.keys((await escrowIn('a')).people).sort()).toEqual([ann, bob].sort());
    const escrowBytesBefore = readFileSync(join(target('b'), 'keys', 'escrow.age'));

    const { escrowPending } = await deletionService(instance).deletePerson(cli, ann);
    expect(escrowPending).toEqual([]);
    // Rewritten at once in every target: Bob only.
    for (const name of ['a', 'b']) expect(Object.keys((await escrowIn(name)).people)).toEqual([bob]);
    expect(readFileSync(join(target('b'), 'keys', 'escrow.age')).equals(escrowBytesBefore)).toBe(false);

    // Restore the pre-deletion backup into an empty instance.
    const restored = join(work, 'restored');
    const result = await restoreBackup({ config, source: before.id, dataDir: restored, keyFile: instance.paths.defaultKeyFile, env: {} });
    expect(result.shredded).toEqual([ann]);
    expect(existsSync(join(restored, 'vaults', `${ann}.db`))).toBe(false);

    // 1. The restored instance, decrypted: system.db and every vault, every table and value.
    const back = await openInstance(restored, {});
    try {
      expect(back.people.list().map((p) => p.id)).toEqual([bob]);
      expect(back.people.require(bob).name).toBe(`Bob ${OTHER}`);
      expect(databaseHits(back.system, CANARY)).toEqual([]);
      const vault = back.people.openVault(bob);
      try {
        expect(databaseHits(vault.db, CANARY)).toEqual([]);
        expect(databaseHits(vault.db, OTHER).length).toBeGreaterThan(0);
        expect(describeVault(vault.db).canonicalHash).toBe(before.manifest!.people.find((p) => p.id === bob)!.canonicalHash);
      } finally {
        vault.close();
      }
      expect(back.system.prepare("SELECT label FROM sources WHERE person_id = ?").pluck().all(bob)).toEqual(['notes']);
    } finally {
      back.close();
    }

    // 2. The archive decrypted (age) and unzipped, its databases opened with the master key.
    const files = await openEncrypted(createReadStream(join(target('a'), `${before.id}.age`)), { identity });
    const unpacked = join(work, 'unpacked');
    for (const [name, bytes] of files) {
      for (const form of canaryForms(CANARY)) expect(bytes.includes(form), name).toBe(false);
      mkdirSync(dirname(join(unpacked, name)), { recursive: true });
      writeFileSync(join(unpacked, name), bytes);
    }
    expect(files.has(`vaults/${ann}.db`)).toBe(true);
    const archived = openEncryptedDatabase(join(unpacked, 'system.db'), deriveKey(masterKey, 'system-db'));
    try {
      expect(databaseHits(archived, CANARY)).toEqual([]);
      // No key in the archive opens any vault, Ann's included; and no escrow has hers any more.
      expect(archived.prepare('SELECT count(*) FROM person_keys WHERE wrapped IS NOT NULL').pluck().get()).toBe(0);
      expect(archived.prepare('SELECT count(*) FROM people WHERE id = ?').pluck().get(ann)).toBe(1);
    } finally {
      archived.close();
    }

    // 3. The escrows decrypted, and the raw bytes of every file: data dirs, both targets, the unpacked archive.
    for (const name of ['a', 'b']) {
      const escrow = await escrowIn(name);
      expect(Object.hasOwn(escrow.people, ann)).toBe(false);
      for (const form of canaryForms(CANARY)) expect(Buffer.from(JSON.stringify(escrow)).includes(form)).toBe(false);
    }
    expect(filesUnder(restored).length).toBeGreaterThan(1);
    for (const dir of [restored, target('a'), target('b'), unpacked, instance.paths.root]) expect(filesHolding(dir, CANARY), dir).toEqual([]);
  }, 120_000);

  it('verify of a pre-deletion backup passes for the others and reports the deleted person; a failing target is pending and retried', async () => {
    const backups = service();
    const before = await backups.create();
    expect(before.status).toBe('ok');
    // Target b cannot take a new escrow: this process's temporary name there is taken by a directory.
    const blocker = join(target('b'), 'keys', `escrow.age.${process.pid}.partial`);
    mkdirSync(blocker);
    const { escrowPending } = await deletionService(instance).deletePerson(cli, ann);
    expect(escrowPending).toEqual([target('b')]);
    expect(Object.keys((await escrowIn('a')).people)).toEqual([bob]);
    // b still holds the old escrow (nothing half-written), and the instance knows it owes b a rewrite.
    expect(Object.keys((await escrowIn('b')).people).sort()).toEqual([ann, bob].sort());
    const { backupScheduler } = await import('../src/backup/backup-scheduler.ts');
    expect(backupScheduler({ instance, config }).status().warnings).toContain('escrow-pending');

    const verified = await backups.verify(before.id);
    expect(verified.problems).toEqual([]);
    expect(verified).toMatchObject({ ok: true, shredded: [ann] });

    // The next backup retries: b is rewritten and nothing is pending any more.
    rmSync(blocker, { recursive: true });
    const after = await backups.create();
    expect(after.status, after.error ?? '').toBe('ok');
    expect(Object.keys((await escrowIn('b')).people)).toEqual([bob]);
    expect(backupScheduler({ instance, config }).status().warnings).not.toContain('escrow-pending');
    expect((await backups.verify(after.id))).toMatchObject({ ok: true, shredded: [] });

    // An escrow that lost a live person (stale, or another instance's) fails verification.
    const empty = await encryptEscrow({ format: ESCROW_FORMAT, writtenAt: new Date().toISOString(), people: {} }, { recipient: await identityToRecipient(identity) });
    writeFileSync(join(target('a'), 'keys', 'escrow.age'), empty);
    const stale = await backups.verify(after.id);
    expect(stale.ok).toBe(false);
    expect(stale.problems.join(' ')).toContain(`person ${bob} is alive but missing from the key escrow`);
  }, 120_000);

  it('restores from a copied .age file with the escrow beside it; without the escrow it refuses and writes nothing', async () => {
    const row = await service().create();
    const copied = join(work, 'usb');
    mkdirSync(join(copied, 'keys'), { recursive: true });
    writeFileSync(join(copied, `${row.id}.age`), readFileSync(join(target('b'), `${row.id}.age`)));
    const lonely = join(work, 'lonely');
    mkdirSync(lonely);
    writeFileSync(join(lonely, `${row.id}.age`), readFileSync(join(target('b'), `${row.id}.age`)));

    const refused = join(work, 'refused');
    await expect(restoreBackup({ config, source: join(lonely, `${row.id}.age`), dataDir: refused, keyFile: instance.paths.defaultKeyFile, env: {} })).rejects.toThrow(/key escrow .* is missing/);
    expect(filesUnder(refused)).toEqual([]);

    writeFileSync(join(copied, 'keys', 'escrow.age'), readFileSync(join(target('b'), 'keys', 'escrow.age')));
    const restored = join(work, 'restored');
    const result = await restoreBackup({ config, source: join(copied, `${row.id}.age`), dataDir: restored, keyFile: instance.paths.defaultKeyFile, env: {} });
    expect(result.shredded).toEqual([]);
    const back = await openInstance(restored, {});
    try {
      expect(back.people.list().map((p) => p.name).sort()).toEqual([`Ann ${CANARY}`, `Bob ${OTHER}`]);
      expect(back.system.prepare('SELECT label, base_url AS baseUrl FROM sources WHERE person_id = ? ORDER BY kind').all(ann)).toEqual([
        { label: `labs ${CANARY}`, baseUrl: null },
        { label: `Clinic ${CANARY}`, baseUrl: `https://fhir.example.org/${CANARY}/r4` },
      ]);
      for (const person of row.manifest!.people) {
        const vault = back.people.openVault(person.id);
        expect(describeVault(vault.db).canonicalHash).toBe(person.canonicalHash);
        vault.close();
      }
    } finally {
      back.close();
    }
  }, 120_000);
});
