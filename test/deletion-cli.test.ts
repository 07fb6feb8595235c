import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaryForms, filesHolding, filesUnder } from './helpers/canary.ts';
import { sourcesRepository } from '../src/sources/sources-repository.ts';
import { runCli } from './helpers/run-cli.ts';
import { tempInstance } from './helpers/temp-instance.ts';

const CANARY = 'Quokka-55e2 "Wren" Ferritin-Canary';
const OTHER = 'Ibis-0b7d-Keeper';

// The SECURITY.md "At rest" scan after deletion, through the real CLI: nothing of a deleted source
// or person stays readable in the data directory, its temp directory, the command output, or a copy
// of the vault taken before (crypto-shredding).
describe('deletion at rest (CLI)', () => {
  // Fifteen real CLI runs: generous time on a loaded machine.
  it('leaves zero canary hits after source and person deletion; a pre-deletion copy cannot be opened', { timeout: 300_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'hearth-delete-'));
    const logs: string[] = [];
    const cli = async (...args: string[]) => {
      const run = await runCli([...args, '--data-dir', dataDir], env);
      logs.push(run.stdout, run.stderr);
      return run;
    };
    const env = { HEARTH_MASTER_KEY: 'ef'.repeat(32) };
    const dataDir = join(work, 'data');
    try {
      expect((await cli('init')).code).toBe(0);
      const ann = (await cli('person', 'add', '--name', `Ann ${CANARY}`)).stdout.trim();
      const bob = (await cli('person', 'add', '--name', `Bob ${OTHER}`)).stdout.trim();
      const file = (name: string, records: object[]) => {
        const path = join(work, name);
        writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n'));
        return path;
      };
      const labs = file('labs.ndjson', [{ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: `Lab ${CANARY}` } }]);
      const notes = file('notes.ndjson', [{ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: `Other ${OTHER}` } }]);
      expect((await cli('import', labs, '--person', ann, '--source', 'labs')).code).toBe(0);
      expect((await cli('import', notes, '--person', ann, '--source', 'notes')).code).toBe(0);
      expect((await cli('import', notes, '--person', bob, '--source', 'notes')).code).toBe(0);
      rmSync(labs);
      // Import progress shows the person's name to the operator; from here on no output may hold it.
      logs.length = 0;

      // Source deletion: confirmation required; then the lab source is gone, the notes stay.
      const sources = JSON.parse((await cli('source', 'list', '--person', ann, '--json')).stdout) as { id: string; label: string }[];
      const labsSource = sources.find((s) => s.label === 'labs')!.id;
      const unconfirmed = await cli('source', 'delete', labsSource);
      expect(unconfirmed.code).toBe(1);
      expect(unconfirmed.stderr).toContain('--yes');
      expect((await cli('source', 'delete', labsSource, '--yes')).code).toBe(0);
      // (Searched by type, not by the canary: the command output is scanned at the end.)
      const afterSource = await cli('search', '--person', ann, 'Observation');
      expect(afterSource.code).toBe(0);
      expect(afterSource.stdout).not.toContain('Observation/');
      expect((await cli('search', '--person', ann, 'Condition?_text=Ibis')).stdout).toContain('Condition/');
      // The person's name is still theirs (in the encrypted system database); the records are gone.
      for (const dir of [dataDir]) expect(filesHolding(dir, CANARY)).toEqual([]);

      // A backup copy of Ann's vault, before her deletion.
      const copy = join(work, 'ann-vault-copy.db');
      copyFileSync(join(dataDir, 'vaults', `${ann}.db`), copy);
      expect((await cli('person', 'delete', ann)).code).toBe(1);
      const deleted = await cli('person', 'delete', ann, '--yes');
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(existsSync(join(dataDir, 'vaults', `${ann}.db`))).toBe(false);

      // The same instance and master key cannot open her records any more.
      const search = await cli('search', '--person', ann, 'Condition');
      expect(search.code).toBe(1);
      expect((await cli('search', '--person', bob, 'Condition?_text=Ibis')).stdout).toContain('Condition/');

      // The scan: data dir (with its tmp dir), the OS temp dir of this run, every command's output, the copy.
      const files = filesUnder(dataDir);
      expect(files.some((f) => f.endsWith('system.db'))).toBe(true);
      for (const dir of [dataDir, join(dataDir, 'tmp')]) expect(filesHolding(dir, CANARY), dir).toEqual([]);
      expect(filesHolding(work, CANARY)).toEqual([]);
      const output = logs.join('\n');
      expect(output.includes('Quokka'), output).toBe(false);
      for (const form of canaryForms(CANARY)) expect(readFileSync(copy).includes(form)).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('deletes an account by name with --yes; the owner only as the last account', { timeout: 300_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'hearth-delete-user-'));
    const env = { HEARTH_MASTER_KEY: 'ab'.repeat(32) };
    const dataDir = join(work, 'data');
    const cli = (args: string[], input?: string) => runCli([...args, '--data-dir', dataDir], env, input === undefined ? {} : { input });
    try {
      expect((await cli(['init'])).code).toBe(0);
      expect((await cli(['user', 'add', 'olga', '--owner'], 'a long owner password\n')).code).toBe(0);
      expect((await cli(['user', 'add', 'pete'], 'a long user password\n')).code).toBe(0);
      expect((await cli(['user', 'delete', 'pete'])).code).toBe(1);
      const refused = await cli(['user', 'delete', 'olga', '--yes']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('other accounts exist');
      expect((await cli(['user', 'delete', 'pete', '--yes'])).code).toBe(0);
      expect((await cli(['user', 'delete', 'nobody', '--yes'])).stderr).toContain('no such account');
      const listed = JSON.parse((await cli(['user', 'list', '--json'])).stdout) as { username: string }[];
      expect(listed.map((a) => a.username)).toEqual(['olga']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('hearth source delete and a provider source', () => {
  it('deletes it even when the configuration cannot be read: the revocation, best effort, is reported failed', { timeout: 60_000 }, async () => {
    const instance = await tempInstance();
    try {
      const personId = instance.people.add('Pat').id;
      const source = sourcesRepository(instance.system).findOrCreate(personId, 'provider', 'Clinic', 'https://fhir.example.org/r4');
      writeFileSync(join(instance.paths.root, 'hearth.json'), '{ not json');
      const run = await runCli(['source', 'delete', source.id, '--yes', '--json', '--data-dir', instance.paths.root], {});
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ sourceId: source.id, providerRevocation: 'failed' });
      expect(sourcesRepository(instance.system).get(source.id)).toBeUndefined();
    } finally {
      instance.dispose();
    }
  });
});
