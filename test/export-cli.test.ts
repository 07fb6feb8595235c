import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNTHEA_DIR } from './helpers/temp-instance.ts';
import { ndjson, readZip } from './helpers/read-zip.ts';
import { runCli } from './helpers/run-cli.ts';

// `hearth export` in a child process, over a real data directory.
describe('hearth export', () => {
  let work: string;
  let dataDir: string;
  let personId: string;
  const env = { HEARTH_MASTER_KEY: '56'.repeat(32) };
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir], env);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'hearth-export-cli-'));
    dataDir = join(work, 'data');
    await cli('init');
    personId = (await cli('person', 'add', '--name', 'Exported Person')).stdout.trim();
    const allergy = join(work, 'a.ndjson');
    writeFileSync(
      allergy,
      '{"resourceType":"Patient","id":"p1","name":[{"family":"Exported"}]}\n' +
        '{"resourceType":"AllergyIntolerance","id":"a1","patient":{"reference":"Patient/p1"},"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},"code":{"text":"Penicillin"}}\n',
    );
    expect((await cli('import', allergy, '--person', personId)).code).toBe(0);
    // Exit code 1: its references point at patients not in the file (a warning); the records land.
    await cli('import', join(SYNTHEA_DIR, 'Immunization.000.ndjson'), '--person', personId);
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('writes the zip with every record and the manifest, prints a summary, and audits as the CLI', async () => {
    const out = join(work, 'out.zip');
    const run = await cli('export', '--person', personId, '--out', out, '--json');
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    const files = await readZip(readFileSync(out));
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    expect(summary.total).toBe(manifest.total);
    expect(manifest.counts.AllergyIntolerance).toBe(1);
    expect(manifest.counts.Immunization).toBeGreaterThan(10);
    expect(ndjson(files.get('ndjson/Immunization.ndjson'))).toHaveLength(manifest.counts.Immunization);
    expect(readdirSync(work).filter((name) => name.endsWith('.partial'))).toEqual([]);
    const audit = JSON.parse((await cli('audit', 'list', '--person', personId, '--action', 'export', '--json')).stdout);
    expect(audit.entry).toHaveLength(1);
    expect(audit.entry[0].resource.agent[0].who.display).toMatch(/^cli:/);
  });

  it('refuses an existing file, a non-zip name and an unknown person with one line and exit 1, writing nothing', async () => {
    const existing = join(work, 'taken.zip');
    writeFileSync(existing, 'keep me');
    const taken = await cli('export', '--person', personId, '--out', existing);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^hearth: .*already exists/);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
    expect((await cli('export', '--person', personId, '--out', join(work, 'x.txt'))).code).toBe(1);
    const unknown = await cli('export', '--person', 'nobody', '--out', join(work, 'nobody.zip'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('hearth: no such person');
    expect(existsSync(join(work, 'nobody.zip'))).toBe(false);
  });
});
