import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import yauzl from 'yauzl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBackupConfig, type BackupConfig } from '../src/backup/backup-config.ts';
import { backupService } from '../src/backup/backup-service.ts';
import { loadMasterKey } from '../src/instance/master-key-source.ts';
import { recordStore } from '../src/records/record-store.ts';
import { filesHolding } from './helpers/canary.ts';
import { SYNTHEA_DIR, tempInstance } from './helpers/temp-instance.ts';
import { runCli } from './helpers/run-cli.ts';

const DAY = 86_400_000;
const CANARY = 'Shredded-Canary-91ac Pangolin';
const AGE = '/usr/bin/age';

describe('backup service', () => {
  let instance: Awaited<ReturnType<typeof tempInstance>>;
  let work: string;
  let config: BackupConfig;
  let identity: string;
  let clock: number;

  function addPerson(name: string, text: string): string {
    const person = instance.people.add(name);
    const vault = instance.people.openVault(person.id);
    try {
      recordStore(vault.db).writeIsolated({ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text } } as never, { sourceId: 'test', vaultIds: true });
    } finally {
      vault.close();
    }
    return person.id;
  }
  async function service(extra: Partial<BackupConfig> = {}) {
    const { key } = await loadMasterKey(instance.paths, {});
    return backupService({ instance, config: { ...config, ...extra }, masterKey: key, now: () => new Date(clock), scryptLogN: 10 });
  }

  beforeEach(async () => {
    instance = await tempInstance();
    work = mkdtempSync(join(tmpdir(), 'hearth-backup-svc-'));
    identity = await generateX25519Identity();
    writeFileSync(join(work, 'id.txt'), `# public key: ${await identityToRecipient(identity)}\n${identity}\n`, { mode: 0o600 });
    config = loadBackupConfig(instance.paths.root, { HEARTH_BACKUP_TARGETS: `${join(work, 'a')},${join(work, 'b')}`, HEARTH_BACKUP_IDENTITY_FILE: join(work, 'id.txt') });
    clock = Date.parse('2026-01-01T02:00:00Z');
  });
  afterEach(() => {
    instance.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('prunes by date in both targets (injected clock)', async () => {
    addPerson('Ann', 'Asthma');
    const backups = await service();
    for (let day = 0; day < 10; day += 1) {
      clock = Date.parse('2026-01-01T02:00:00Z') + day * DAY;
      expect((await backups.create()).status).toBe('ok');
    }
    const pruned = await backups.prune();
    // 10 daily backups, Jan 1-10 2026: the 7 newest days stay, plus weekly/monthly picks among the rest.
    const kept = backups.list().filter((r) => r.status === 'ok');
    expect(kept.length + pruned.length).toBe(10);
    expect(pruned.length).toBeGreaterThan(0);
    for (const { id } of pruned) {
      expect(existsSync(join(work, 'a', `${id}.age`))).toBe(false);
      expect(existsSync(join(work, 'b', `${id}.age`))).toBe(false);
    }
    for (const row of kept) expect(existsSync(join(work, 'b', `${row.id}.age`))).toBe(true);
  }, 120_000);

  it('honours deletion: backups holding a deleted person are gone by the end of the window', async () => {
    const keep = addPerson('Bob', 'Kept');
    const gone = addPerson('Cat', CANARY);
    const backups = await service();
    const before = await backups.create();
    expect(before.manifest!.people.map((p) => p.id).sort()).toEqual([keep, gone].sort());
    // What the deletion work does: destroy the wrapped key, remove the vault file.
    clock += DAY;
    instance.system.prepare('UPDATE person_keys SET wrapped = NULL, destroyed_at = ? WHERE person_id = ?').run(new Date(clock).toISOString(), gone);
    rmSync(join(instance.paths.vaultsDir, `${gone}.db`));
    clock += DAY;
    const after = await backups.create();
    expect(after.manifest!.people.map((p) => p.id)).toEqual([keep]);
    expect(await backups.prune()).toEqual([]);
    // 28 days after the deletion the pre-deletion backup is deleted from every target.
    clock += 27 * DAY;
    const pruned = await backups.prune();
    expect(pruned.map((p) => p.id)).toEqual([before.id]);
    // Beside the archives, each target holds only its key escrow (keys/escrow.age).
    expect(readdirSync(join(work, 'a'))).toEqual([`${after.id}.age`, 'keys']);
    expect(readdirSync(join(work, 'b'))).toEqual([`${after.id}.age`, 'keys']);
    expect(readdirSync(join(work, 'b', 'keys'))).toEqual(['escrow.age']);
    expect((await backups.verify(after.id)).ok).toBe(true);
  }, 120_000);

  it('a passphrase backup round-trips, and the standard age tool decrypts an X25519 one', async () => {
    addPerson('Dan', CANARY);
    const viaPass = await service({ passphrase: 'correct horse battery staple', identityFile: join(work, 'none.txt') });
    const row = await viaPass.create();
    expect(row.status).toBe('ok');
    expect((await viaPass.verify(row.id)).ok).toBe(true);
    expect(filesHolding(join(work, 'a'), CANARY)).toEqual([]);

    if (!existsSync(AGE)) return expect.fail('the age tool is missing: scripts/test.js and .ci/run install it (apt-get install age)');
    const x25519 = await (await service()).create();
    const zip = execFileSync(AGE, ['-d', '-i', join(work, 'id.txt'), join(work, 'a', `${x25519.id}.age`)]);
    const names = await new Promise<string[]>((resolve, reject) =>
      yauzl.fromBuffer(zip, { lazyEntries: false }, (error, file) => {
        if (error || !file) return reject(error);
        const seen: string[] = [];
        file.on('entry', (entry: yauzl.Entry) => seen.push(entry.fileName));
        file.on('end', () => resolve(seen));
      }),
    );
    expect(names.sort()).toEqual(['manifest.json', 'system.db', ...x25519.manifest!.people.map((p) => p.file)].sort());
    // The databases inside are still SQLCipher-encrypted: the canary is not in the decrypted zip.
    expect(zip.includes(Buffer.from(CANARY))).toBe(false);
  }, 120_000);

  it('takes a good backup while another process imports into the same instance', async () => {
    const personId = addPerson('Eve', 'Start');
    let finished = false;
    const importing = runCli(['import', SYNTHEA_DIR, '--person', personId, '--data-dir', instance.paths.root], {}).then((run) => {
      finished = true;
      return run;
    });
    const backups = await service();
    const totals: number[] = [];
    // Back up again and again while the import runs (bounded: at most 40 backups).
    for (let i = 0; i < 40 && !finished; i += 1) {
      clock += 1000;
      const row = await backups.create();
      expect(row.status, row.error ?? '').toBe('ok');
      expect((await backups.verify(row.id)).ok).toBe(true);
      totals.push(row.manifest!.people[0]!.total);
    }
    const done = await importing;
    expect(done.code, done.stderr).toBe(0);
    const final = await backups.create();
    expect((await backups.verify(final.id)).ok).toBe(true);
    const all = final.manifest!.people[0]!.total;
    expect(all).toBeGreaterThan(100);
    // At least one snapshot caught the import half-way, and it still verified (consistent).
    expect(totals.some((total) => total > 1 && total < all), JSON.stringify(totals)).toBe(true);
    expect(readFileSync(join(work, 'a', `${final.id}.age`)).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
  }, 300_000);
});
