import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFiles } from '../src/import/import-service.ts';
import { recordStore } from '../src/records/record-store.ts';
import { HOSTILE_VECTORS } from './helpers/hostile-vectors.ts';
import { runCli } from './helpers/run-cli.ts';
import { tempInstance } from './helpers/temp-instance.ts';

/**
 * Every bad-input vector of SECURITY.md "Input", through the whole import path: each is refused
 * with a clear error naming the file, and nothing of it is stored.
 */
const VECTORS = HOSTILE_VECTORS;

describe('bad input through the import path', () => {
  let instance: Awaited<ReturnType<typeof tempInstance>>;
  let dir: string;
  let personId: string;
  beforeAll(async () => {
    instance = await tempInstance();
    personId = instance.people.add('Target').id;
    dir = mkdtempSync(join(tmpdir(), 'hearth-bad-'));
  });
  afterAll(() => {
    instance.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(VECTORS)('refuses %s cleanly and stores nothing', async (_name, file, content, expected) => {
    const path = join(dir, file);
    writeFileSync(path, content);
    const [report] = await importFiles(instance, { actor: 'test', paths: [path], target: { kind: 'person', personId } });
    expect(report!.errorCount).toBeGreaterThan(0);
    expect(report!.errors[0]!.file).toContain(file);
    expect(report!.errors.map((e) => `${e.expression ?? ''} ${e.message}`).join('\n')).toMatch(expected);
    const vault = instance.people.openVault(personId);
    expect(recordStore(vault.db).counts()).toEqual([]);
    vault.close();
  });

  it.each(VECTORS)('refuses %s from an upload held in memory too, and stores nothing', async (_name, file, content, expected) => {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const [report] = await importFiles(instance, { actor: 'test', paths: [{ name: file, bytes }], target: { kind: 'person', personId } });
    expect(report!.errorCount).toBeGreaterThan(0);
    expect(report!.errors[0]!.file).toContain(file);
    expect(report!.errors.map((e) => `${e.expression ?? ''} ${e.message}`).join('\n')).toMatch(expected);
    const vault = instance.people.openVault(personId);
    expect(recordStore(vault.db).counts()).toEqual([]);
    vault.close();
  });

  it('imports the good lines around a bad one, naming the bad line', async () => {
    const path = join(dir, 'mixed.ndjson');
    writeFileSync(path, ['{"resourceType":"Patient","id":"good-1"}', '{"resourceType":"Patient",', '{"resourceType":"Patient","id":"good-2","active":"yes"}', '{"resourceType":"Patient","id":"good-3"}'].join('\n'));
    const [report] = await importFiles(instance, { actor: 'test', paths: [path], target: { kind: 'person', personId } });
    expect(report!.errors.map((e) => [e.line, e.expression ?? null])).toEqual([
      [2, null],
      [3, 'Patient.active'],
    ]);
    expect(report!.byType.Patient).toEqual({ created: 2, updated: 0, unchanged: 0, failed: 1 });
    const vault = instance.people.openVault(personId);
    expect(vault.db.prepare("SELECT id FROM resources WHERE type = 'Patient' ORDER BY id").pluck().all()).toEqual(['good-1', 'good-3']);
    vault.close();
  });

  it('reports warnings apart from errors: a client log in an export folder, a server outcome in a searchset', async () => {
    const folder = join(dir, 'export');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder);
    writeFileSync(join(folder, 'log.ndjson'), '{"exportId":"e","eventId":"kickoff"}\n');
    writeFileSync(join(folder, 'Patient.000.ndjson'), '{"resourceType":"Patient","id":"exported"}\n');
    writeFileSync(
      join(folder, 'search.json'),
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'incomplete', diagnostics: 'Some results were suppressed' }] }, search: { mode: 'outcome' } }],
      }),
    );
    const [report] = await importFiles(instance, { actor: 'test', paths: [folder], target: { kind: 'person', personId } });
    expect(report!.errors).toEqual([]);
    expect(report!.warnings.map((w) => w.message)).toEqual([
      'not FHIR NDJSON (its first line has no resourceType); file skipped',
      expect.stringContaining('Some results were suppressed'),
    ]);
    expect(report!.byType.Patient?.created).toBe(1);
  });

  it('with --strict rejects the whole file for one bad entry', async () => {
    const path = join(dir, 'strict.ndjson');
    writeFileSync(path, ['{"resourceType":"Patient","id":"strict-1"}', '{"resourceType":"Patient","id":"strict-2","birthDate":"yesterday"}'].join('\n'));
    const [report] = await importFiles(instance, { actor: 'test', paths: [path], target: { kind: 'person', personId }, strict: true });
    expect(report!.rejectedFiles).toEqual([path]);
    expect(report!.errors[0]).toMatchObject({ line: 2, expression: 'Patient.birthDate' });
    const vault = instance.people.openVault(personId);
    expect(recordStore(vault.db).read('Patient', 'strict-1')).toBeUndefined();
    vault.close();
  });
});

describe('the CLI on bad input', () => {
  it('exits 1 with one clear line per problem and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-cli-bad-'));
    try {
      const env = { HEARTH_MASTER_KEY: 'ab'.repeat(32) };
      const dataDir = join(dir, 'data');
      await runCli(['init', '--data-dir', dataDir], env);
      const personId = (await runCli(['person', 'add', '--name', 'X', '--data-dir', dataDir], env)).stdout.trim();
      const path = join(dir, 'xxe.xml');
      writeFileSync(path, VECTORS.find(([name]) => name.startsWith('XXE'))![2]);
      const run = await runCli(['import', path, '--person', personId, '--data-dir', dataDir], env);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/error: .*xxe\.xml.*DOCTYPE/);
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
      const missing = await runCli(['import', join(dir, 'nope.ndjson'), '--person', personId, '--data-dir', dataDir], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toMatch(/^hearth: no such file or folder: .*nope\.ndjson$/);
      const unknownPerson = await runCli(['stats', '--person', 'nobody', '--data-dir', dataDir, '--json'], env);
      expect(unknownPerson.code).toBe(1);
      expect(JSON.parse(unknownPerson.stdout)).toMatchObject({ error: { code: 'not-found' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
