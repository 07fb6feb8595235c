import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe } from './helpers/run-cli.ts';

describe('the hearth CLI', () => {
  let work: string;
  let dataDir: string;
  const env = { HEARTH_MASTER_KEY: 'ef'.repeat(32) };
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'hearth-cli-'));
    dataDir = join(work, 'data');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('initialises, adds and lists people, in text and JSON', async () => {
    const init = await runCli(['init', '--data-dir', dataDir, '--json'], env);
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ created: true, keyOrigin: 'HEARTH_MASTER_KEY', keyFile: null });
    const added = await runCli(['person', 'add', '--name', 'Ada Lovelace', '--data-dir', dataDir], env);
    expect(added.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    const list = await runCli(['person', 'list', '--data-dir', dataDir, '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: added.stdout.trim(), name: 'Ada Lovelace' })]);
    const text = await runCli(['person', 'list', '--data-dir', dataDir], env);
    expect(text.stdout).toMatch(/ID\s+NAME\s+ADDED\n.*Ada Lovelace/);
  });

  it('creates the demo family deterministically, then searches and counts it', async () => {
    const first = await runCli(['demo', '--seed', '3', '--data-dir', dataDir, '--json'], env, { timeoutMs: 300_000 });
    expect(first.code, first.stderr).toBe(0);
    const family = JSON.parse(first.stdout) as { personId: string; name: string; created: number; errors: number }[];
    expect(family).toHaveLength(4);
    for (const person of family) {
      expect(person.errors).toBe(0);
      expect(person.created).toBeGreaterThan(100);
    }
    const again = JSON.parse((await runCli(['demo', '--seed', '3', '--data-dir', dataDir, '--json'], env, { timeoutMs: 300_000 })).stdout);
    expect(again.map((p: { personId: string; created: number }) => [p.personId, p.created])).toEqual(family.map((p) => [p.personId, 0]));

    const adult = family[0]!.personId;
    const stats = JSON.parse((await runCli(['stats', '--person', adult, '--data-dir', dataDir, '--json'], env)).stdout);
    expect(stats.byType.Patient).toBe(1);
    expect(stats.byType.Observation).toBeGreaterThan(50);
    const search = await runCli(['search', '--person', adult, 'Observation?code=http://loinc.org|4548-4&_sort=-date&_count=3', '--data-dir', dataDir, '--json'], env);
    const bundle = JSON.parse(search.stdout);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(bundle.entry.length).toBeGreaterThan(0);
    const dates = bundle.entry.map((e: { resource: { effectiveDateTime: string } }) => e.resource.effectiveDateTime);
    expect([...dates].sort().reverse()).toEqual(dates);
    const bad = await runCli(['search', '--person', adult, 'Observation?colour=blue', '--data-dir', dataDir], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('hearth: unknown search parameter "colour" for Observation');
  });

  it('answers usage errors with exit code 1 and one line', async () => {
    const noPerson = await runCli(['import', 'x.ndjson', '--data-dir', dataDir], env);
    expect(noPerson.code).toBe(1);
    expect(noPerson.stderr.trim()).toBe('hearth: say whose records these are: --person <id>, or --split-by-patient');
    const unknown = await runCli(['frobnicate'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^hearth: unknown command 'frobnicate'/);
    const noData = await runCli(['person', 'list', '--data-dir', join(work, 'empty')], env);
    expect(noData.code).toBe(1);
    expect(noData.stderr.trim()).toMatch(/^hearth: no Hearth data in .*empty; run "hearth init" first/);
  });

  it('serves /healthz and stops cleanly on SIGTERM', async () => {
    const { child, address, stderr } = await startServe(['--data-dir', dataDir], env);
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${address}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('strict-transport-security')).toBeNull();
    const missing = await fetch(`${address}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr()).toContain('Hearth stopped');
  });
});
