import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { dataDirDirectory } from '../src/directory/directory-file.ts';
import { openInstance } from '../src/instance/instance.ts';
import { lanternFixture } from './helpers/lantern-fixture.ts';
import { runCli } from './helpers/run-cli.ts';

describe('hearth directory (real CLI)', () => {
  let work: string;
  let dataDir: string;
  const env = { HEARTH_MASTER_KEY: '56'.repeat(32) };
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir], env);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'hearth-directory-cli-'));
    dataDir = join(work, 'data');
    expect((await cli('init')).code).toBe(0);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('searches the shipped directory before any import, as a table or JSON', async () => {
    const table = await cli('directory', 'search', 'mayo clinic', '--vendor', 'epic', '--limit', '3');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^organisation\s+vendor\s+FHIR\s+where\s+endpoint$/);
    expect(table.stdout).toMatch(/^Mayo Clinic\s+Epic Systems Corporation\s+R4\s+.*https:\/\//m);
    const json = await cli('directory', 'search', 'cleveland clinic', '--state', 'oh', '--json');
    expect(json.code).toBe(0);
    const found = JSON.parse(json.stdout);
    expect(found.total).toBeGreaterThan(0);
    expect(found.results.every((result: { state: string }) => result.state === 'OH')).toBe(true);
    expect(found.results[0]).toMatchObject({ organization: 'Cleveland Clinic', vendor: 'Epic Systems Corporation', fhirVersion: 'R4' });
  });

  it('imports a folder of lists, which then takes precedence, and records it in the system audit trail', async () => {
    const run = await cli('directory', 'import', lanternFixture());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Replaced the provider directory from 5 lists: 6 organisations, 7 endpoints \(2 duplicate listings merged\)\./);
    expect(run.stdout).toContain('Acme_EHR_Inc_EndpointSources.json: 1 entry left out (entry 4: URL is not an absolute URL)');
    const mayo = JSON.parse((await cli('directory', 'search', 'mayo', '--json')).stdout);
    expect(mayo.total).toBe(0);
    const lukes = JSON.parse((await cli('directory', 'search', 'st lukes', '--json')).stdout);
    expect(lukes.results.map((result: { organization: string }) => result.organization)).toEqual(["St. Luke's Hospital"]);
    const instance = await openInstance(dataDir, env);
    try {
      const entries = auditLog(instance.system).list({ action: 'import' });
      expect(entries.at(-1)).toMatchObject({ action: 'import', outcome: 'success', what: { type: 'Endpoint' } });
    } finally {
      instance.close();
    }
  });

  it('refuses a bad list with one clear line and exit code 1, leaving the directory as it was', async () => {
    const before = readFileSync(dataDirDirectory(dataDir));
    const bad = join(work, 'Broken_EndpointSources.json');
    writeFileSync(bad, '{"Endpoints": [{"URL": 7, "OrganizationName": "x"}]}');
    const run = await cli('directory', 'import', bad);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('hearth: Broken_EndpointSources.json entry 1: "URL" must be a string\n');
    expect(readFileSync(dataDirDirectory(dataDir)).equals(before)).toBe(true);
  });

  it('refuses bad search options', async () => {
    const run = await cli('directory', 'search', 'x', '--limit', 'many');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('hearth: --limit must be a whole number\n');
    const empty = await cli('directory', 'search');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/give an organisation name, a ZIP, a state or a vendor/);
  });
});
