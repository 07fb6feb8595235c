import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoNdjson } from '../bench/workload.ts';
import { openInstance } from '../src/instance/instance.ts';
import { randomKey } from '../src/keys/key-derivation.ts';
import { runCli } from './helpers/run-cli.ts';

/**
 * kill -9 at several points of an import, then the same command again: no committed batch is lost,
 * nothing is duplicated, the database is intact and the result equals an uninterrupted import.
 */
describe('an import killed with SIGKILL', () => {
  let work: string;
  let file: string;
  let records: number;
  const env = { HEARTH_MASTER_KEY: randomKey().toString('hex') };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'hearth-crash-'));
    file = join(work, 'records.ndjson');
    records = (await writeDemoNdjson(file, { target: 6000 })).records;
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function prepare(name: string): Promise<{ dataDir: string; personId: string }> {
    const dataDir = join(work, name);
    expect((await runCli(['init', '--data-dir', dataDir], env)).code).toBe(0);
    const added = await runCli(['person', 'add', '--name', 'Crash Test', '--data-dir', dataDir], env);
    return { dataDir, personId: added.stdout.trim() };
  }

  async function snapshot(dataDir: string, personId: string) {
    const instance = await openInstance(dataDir, env);
    const vault = instance.people.openVault(personId);
    const integrity = vault.db.pragma('integrity_check', { simple: true });
    const current = vault.db.prepare('SELECT count(*) FROM resources').pluck().get();
    const versions = vault.db.prepare('SELECT count(*) FROM resource_versions').pluck().get();
    const content = vault.db.prepare('SELECT type, id, content_hash FROM resources ORDER BY type, id').all();
    const indexRows = vault.db.prepare('SELECT (SELECT count(*) FROM idx_token) + (SELECT count(*) FROM idx_date) + (SELECT count(*) FROM idx_reference)').pluck().get();
    vault.close();
    instance.close();
    return { integrity, current, versions, content, indexRows };
  }

  it('resumes to exactly the state of an uninterrupted import', async () => {
    const clean = await prepare('clean');
    const uninterrupted = await runCli(['import', file, '--person', clean.personId, '--data-dir', clean.dataDir], env);
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    const expected = await snapshot(clean.dataDir, clean.personId);
    expect(expected.current).toBe(records);

    const crashed = await prepare('crashed');
    const killedAt: string[] = [];
    const partialCounts: number[] = [];
    // Watch the vault from a second connection (WAL lets it read while the import writes) and kill
    // the import at chosen points: before its first commit, then just after the first and the
    // second committed batch, so each run dies in the middle of writing the next batch.
    const instance = await openInstance(crashed.dataDir, env);
    const watcher = instance.people.openVault(crashed.personId);
    const committed = () => watcher.db.prepare('SELECT count(*) FROM resources').pluck().get() as number;
    const kills: [string, { killAfterMs?: number; killWhen?: () => boolean }][] = [
      ['early', { killAfterMs: 300 }],
      ['after one batch', { killWhen: () => committed() > 0 }],
      ['after two batches', { killWhen: () => committed() > 2500 }],
    ];
    for (const [label, kill] of kills) {
      const run = await runCli(['import', file, '--person', crashed.personId, '--data-dir', crashed.dataDir], env, kill);
      if (run.signal === 'SIGKILL') killedAt.push(label);
      const partial = await snapshot(crashed.dataDir, crashed.personId);
      expect(partial.integrity).toBe('ok');
      expect(partial.versions).toBe(partial.current);
      partialCounts.push(partial.current as number);
    }
    // At least one kill must have landed mid-import for this test to mean anything.
    watcher.close();
    instance.close();
    expect(killedAt).toEqual(['early', 'after one batch', 'after two batches']);
    expect(partialCounts.some((n) => n > 0 && n < records), `partial counts ${partialCounts}`).toBe(true);
    const finish = await runCli(['import', file, '--person', crashed.personId, '--data-dir', crashed.dataDir], env);
    expect(finish.code, finish.stderr).toBe(0);
    const result = await snapshot(crashed.dataDir, crashed.personId);
    expect(result.integrity).toBe('ok');
    expect(result.current).toBe(records);
    expect(result.versions).toBe(records);
    expect(result.content).toEqual(expected.content);
    expect(result.indexRows).toBe(expected.indexRows);
  });
});
