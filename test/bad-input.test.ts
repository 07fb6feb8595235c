import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFiles } from '../src/import/import-service.ts';
import { recordStore } from '../src/records/record-store.ts';
import { buildZip } from '../src/import/readers/zip-writer.test-helper.ts';
import { runCli } from './helpers/run-cli.ts';
import { tempInstance } from './helpers/temp-instance.ts';

/**
 * Every bad-input vector of SECURITY.md "Input", through the whole import path: each is refused
 * with a clear error naming the file, and nothing of it is stored.
 */
const CCD_HEAD = '<?xml version="1.0"?>\n';
const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const bomb = buildZip([{ name: 'inner.zip', data: buildZip([{ name: 'x.ndjson', data: Buffer.alloc(50_000_000, 0x20) }]) }]);

const VECTORS: [name: string, file: string, content: string | Buffer, expected: RegExp][] = [
  ['resourceType of the wrong JSON type', 'wrong-type.json', '{"resourceType": 42}', /resourceType/],
  ['top level an array', 'array.json', '[{"resourceType":"Patient"}]', /object/],
  ['element of the wrong JSON type', 'status.ndjson', '{"resourceType":"Observation","status":7,"code":{"text":"x"}}\n', /Observation\.status/],
  ['unknown resourceType', 'unknown.ndjson', '{"resourceType":"Spaceship","id":"x"}\n', /Spaceship/],
  ['10,000-deep nesting', 'deep.json', `{"resourceType":"Patient","extension":${deep(10_000)}}`, /nest|deep/i],
  ['a 50 MB string', 'huge.ndjson', `{"resourceType":"Patient","id":"p","text":{"status":"generated","div":"${'x'.repeat(50 * 1024 * 1024)}"}}\n`, /too long|larger|exceeds|MiB/i],
  ['malformed NDJSON line', 'broken.ndjson', '{"resourceType":"Patient", "id": \n', /JSON/],
  ['__proto__ key', 'proto.ndjson', '{"resourceType":"Patient","__proto__":{"admin":true}}\n', /__proto__/],
  ['XXE file:///etc/passwd', 'xxe.xml', `${CCD_HEAD}<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><ClinicalDocument xmlns="urn:hl7-org:v3">&xxe;</ClinicalDocument>`, /DOCTYPE/],
  ['billion laughs', 'laughs.xml', `${CCD_HEAD}<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><ClinicalDocument xmlns="urn:hl7-org:v3">&c;</ClinicalDocument>`, /DOCTYPE/],
  ['quadratic blowup', 'quadratic.xml', `${CCD_HEAD}<!DOCTYPE q [<!ENTITY a "${'a'.repeat(50_000)}">]><ClinicalDocument xmlns="urn:hl7-org:v3">${'&a;'.repeat(50_000)}</ClinicalDocument>`, /DOCTYPE/],
  ['one million &#65; references', 'refs.xml', `${CCD_HEAD}<ClinicalDocument xmlns="urn:hl7-org:v3"><title>${'&#65;'.repeat(1_000_000)}</title></ClinicalDocument>`, /references/],
  ['zip slip ../../x', 'slip.zip', buildZip([{ name: '../../x.ndjson', data: '{"resourceType":"Patient","id":"slip"}\n' }]), /\.\./],
  ['absolute path in a zip', 'absolute.zip', buildZip([{ name: '/etc/x.ndjson', data: '{"resourceType":"Patient","id":"abs"}\n' }]), /absolute/i],
  ['symlink entry in a zip', 'symlink.zip', buildZip([{ name: 'link.ndjson', data: '/etc/passwd', unixMode: 0o120777 }]), /link/i],
  ['nested zip bomb', 'bomb.zip', bomb, /nested|ratio|archive/i],
];

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
