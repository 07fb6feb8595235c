import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesHolding } from './helpers/canary.ts';
import { runCli } from './helpers/run-cli.ts';

const CANARY = 'Backup-Canary-4b9e Quokka';
const KEY = 'ab'.repeat(32);

describe('hearth backup (real CLI, real encrypted files)', () => {
  let work: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let personId: string;
  const json = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const run = await runCli([...args, '--json', '--data-dir', dataDir], { ...env, ...extra });
    return { ...run, value: run.stdout.trim() ? JSON.parse(run.stdout) : undefined };
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'hearth-backup-'));
    dataDir = join(work, 'data');
    env = { HEARTH_MASTER_KEY: KEY, HEARTH_BACKUP_TARGETS: `${join(work, 'primary')},${join(work, 'second')}`, HEARTH_BACKUP_IDENTITY_FILE: join(work, 'backup-identity.txt') };
    expect((await runCli(['init', '--data-dir', dataDir], env)).code).toBe(0);
    personId = (await runCli(['person', 'add', '--name', 'Ann', '--data-dir', dataDir], env)).stdout.trim();
    const input = join(work, 'records.ndjson');
    writeFileSync(input, [
      { resourceType: 'Patient', id: 'p1', name: [{ family: CANARY }] },
      { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: CANARY } },
      { resourceType: 'Observation', id: 'o1', status: 'final', subject: { reference: 'Patient/p1' }, code: { text: 'Weight' }, valueQuantity: { value: 70, unit: 'kg' } },
    ].map((r) => JSON.stringify(r)).join('\n'));
    expect((await runCli(['import', input, '--person', personId, '--data-dir', dataDir], env)).code).toBe(0);
    rmSync(input);
    const init = await json(['backup', 'init']);
    expect(init.code, init.stderr).toBe(0);
    expect(readFileSync(join(work, 'backup-identity.txt'), 'utf8')).toMatch(/AGE-SECRET-KEY-1/);
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('creates, replicates, verifies; restores into an empty dir with identical hashes; holds no plaintext', async () => {
    const created = await json(['backup', 'create']);
    expect(created.code, created.stderr + created.stdout).toBe(0);
    const id = created.value.backup.id as string;
    expect(created.value.backup.status).toBe('ok');
    expect(created.value.backup.copies.map((c: { ok: boolean }) => c.ok)).toEqual([true, true]);
    expect(created.value.verification.ok).toBe(true);
    const primary = readFileSync(join(work, 'primary', `${id}.age`));
    expect(primary.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    expect(readFileSync(join(work, 'second', `${id}.age`)).equals(primary)).toBe(true);
    expect(filesHolding(join(work, 'primary'), CANARY)).toEqual([]);
    expect(filesHolding(join(work, 'second'), CANARY)).toEqual([]);
    expect(readdirSync(join(dataDir, 'tmp')).filter((n) => n.startsWith('backup-'))).toEqual([]);

    const list = await json(['backup', 'list']);
    expect(list.value[0].id).toBe(id);
    expect(list.value[0].lastVerification.ok).toBe(true);

    // Wipe and restore: a fresh directory, the master key file given separately.
    const keyFile = join(work, 'master.key');
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
    const restored = join(work, 'restored');
    const { HEARTH_MASTER_KEY: _drop, ...noKeyEnv } = env;
    const restore = await runCli(['restore', id, '--key-file', keyFile, '--json', '--data-dir', restored], noKeyEnv);
    expect(restore.code, restore.stderr + restore.stdout).toBe(0);
    const stats = await runCli(['stats', '--person', personId, '--json', '--data-dir', restored], noKeyEnv);
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).byType).toEqual({ Condition: 1, Observation: 1, Patient: 1 });

    // The log copied inside the backup showed this very backup as running: settled on restore.
    const restoredLog = await runCli(['backup', 'list', '--json', '--data-dir', restored], noKeyEnv);
    expect(JSON.parse(restoredLog.stdout).map((r: { status: string }) => r.status)).not.toContain('running');

    // Restoring again into the now non-empty directory is refused.
    const again = await runCli(['restore', id, '--key-file', keyFile, '--data-dir', restored], noKeyEnv);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not empty/);
  }, 300_000);

  it('reports a missing or corrupt second copy, and a tampered archive fails verification and restore writes nothing', async () => {
    const created = await json(['backup', 'create']);
    const id = created.value.backup.id as string;
    const second = join(work, 'second', `${id}.age`);
    const bytes = readFileSync(second);
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(second, bytes);
    const verify = await json(['backup', 'verify', id]);
    expect(verify.code).toBe(1);
    expect(verify.value.problems.join(' ')).toMatch(/second.*SHA-256 differs/);

    // Tamper with the primary too, and restore straight from the tampered file.
    const primary = join(work, 'primary', `${id}.age`);
    writeFileSync(primary, bytes);
    const failed = await json(['backup', 'verify', id]);
    expect(failed.code).toBe(1);
    expect(failed.value.problems.join(' ')).toMatch(/does not decrypt|no intact copy/);
    const target = join(work, 'from-tampered');
    const restore = await runCli(['restore', second, '--data-dir', target], env);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/does not decrypt/);
    expect(existsSync(target) ? readdirSync(target) : []).toEqual([]);

    rmSync(second);
    const missing = await json(['backup', 'verify', id]);
    expect(missing.value.problems.join(' ')).toMatch(/second.*missing/);
  }, 300_000);

  it('a backup killed with SIGKILL is never marked good', async () => {
    const before = readdirSync(join(work, 'primary'));
    const killed = await runCli(['backup', 'create', '--data-dir', dataDir], env, {
      killWhen: () => existsSync(join(dataDir, 'tmp')) && readdirSync(join(dataDir, 'tmp')).some((n) => n.startsWith('backup-')),
    });
    expect(killed.signal).toBe('SIGKILL');
    const list = await json(['backup', 'list']);
    const newest = list.value[0];
    // The killed run is the newest row: still 'running' until the next backup settles it, never 'ok'.
    expect(newest.status).toBe('running');
    expect(readdirSync(join(work, 'primary')).filter((n) => !before.includes(n) && n.endsWith('.age'))).toEqual([]);
    const next = await json(['backup', 'create']);
    expect(next.code, next.stderr).toBe(0);
    const after = await json(['backup', 'list']);
    expect(after.value.find((r: { id: string }) => r.id === newest.id).status).toBe('failed');
  }, 300_000);
  it('after a person is deleted, verify and restore of an older backup report them shredded', async () => {
    const bea = (await runCli(['person', 'add', '--name', 'Bea', '--data-dir', dataDir], env)).stdout.trim();
    const created = await json(['backup', 'create']);
    expect(created.code, created.stderr).toBe(0);
    const id = created.value.backup.id as string;
    // The CLI's deletion rewrites the escrow in both targets from HEARTH_BACKUP_TARGETS.
    const deleted = await json(['person', 'delete', bea, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.value.escrowPending).toEqual([]);
    const verify = await runCli(['backup', 'verify', id, '--data-dir', dataDir], env);
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);
    expect(verify.stdout).toContain("1 person's data was deleted after this backup and cannot be restored (shredded");
    const restored = join(work, 'restored-after-deletion');
    const restore = await runCli(['restore', id, '--data-dir', restored], env);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain("1 person's data was deleted after this backup and cannot be restored");
    const people = JSON.parse((await runCli(['person', 'list', '--json', '--data-dir', restored], env)).stdout) as { id: string; name: string }[];
    expect(people.map((p) => p.id)).toEqual([personId]);
  }, 300_000);
});
