import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInstance } from '../src/instance/instance.ts';
import { runCli } from './helpers/run-cli.ts';

describe('the audit trail through the CLI', () => {
  let work: string;
  let dataDir: string;
  let personId: string;
  const env = { HEARTH_MASTER_KEY: '34'.repeat(32) };
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir], env);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'hearth-audit-'));
    dataDir = join(work, 'data');
    await cli('init');
    personId = (await cli('person', 'add', '--name', 'Audited')).stdout.trim();
    const file = join(work, 'p.ndjson');
    writeFileSync(file, '{"resourceType":"Patient","id":"p1","name":[{"family":"Audited"}]}\n');
    expect((await cli('import', file, '--person', personId)).code).toBe(0);
    await cli('search', '--person', personId, 'Patient?name=aud');
    await cli('search', '--person', personId, 'Patient?bogus=1');
    await cli('stats', '--person', personId);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("records imports, searches (also failed ones) and reads in the person's trail", async () => {
    const run = await cli('audit', 'list', '--person', personId, '--json');
    const bundle = JSON.parse(run.stdout);
    const events = bundle.entry.map((e: { resource: { action: string; outcome: string; entity?: { query?: string }[] } }) => e.resource);
    expect(events.map((e: { action: string; outcome: string }) => [e.action, e.outcome])).toEqual([
      ['C', '0'],
      ['E', '0'],
      ['E', '8'],
      ['R', '0'],
    ]);
    const query = events[1].entity.find((entity: { query?: string }) => entity.query)?.query;
    expect(Buffer.from(query, 'base64').toString()).toBe('Patient?name=aud');
    const system = JSON.parse((await cli('audit', 'list', '--json')).stdout);
    expect(system.entry).toHaveLength(1);
  });

  it('verifies every chain, and finds and locates a tampered entry', async () => {
    const clean = await cli('audit', 'verify', '--json');
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout).map((r: { result: { ok: boolean } }) => r.result.ok)).toEqual([true, true]);
    const instance = await openInstance(dataDir, env);
    const vault = instance.people.openVault(personId);
    vault.db.prepare("UPDATE audit_log SET outcome = 'success' WHERE seq = 3").run();
    vault.close();
    instance.close();
    const broken = await cli('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/BROKEN {4}person .*: entry 3 edited/);
    expect(broken.stdout).toMatch(/^ok {8}system: 1 entries$/m);
  });
});
