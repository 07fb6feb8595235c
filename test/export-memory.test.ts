import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordStore } from '../src/records/record-store.ts';
import { sourcesRepository } from '../src/sources/sources-repository.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// The export streams: a vault holding far more JSON than the exporting process's V8 heap is exported
// by a child process whose heap is capped at 48 MiB. An export that held a file, a type or the Bundle
// in memory dies there of heap exhaustion.
const RECORDS = 5_000;
const RAW_BYTES = 9_000; // 12 kB of base64 per record: 60 MB of current JSON, written twice (NDJSON, Bundle), and decoded

let instance: Awaited<ReturnType<typeof tempInstance>>;
let personId: string;

beforeAll(async () => {
  instance = await tempInstance();
  personId = instance.people.add('Large vault').id;
  const source = sourcesRepository(instance.system).findOrCreate(personId, 'file', 'memory test');
  const vault = instance.people.openVault(personId);
  try {
    const store = recordStore(vault.db);
    store.transaction(() => {
      for (let i = 0; i < RECORDS; i++) {
        const data = Buffer.alloc(RAW_BYTES, i % 251).toString('base64');
        store.write({ resourceType: 'Binary', id: `b${i}`, contentType: 'application/octet-stream', data }, { sourceId: source.id });
      }
    });
  } finally {
    vault.close();
  }
}, 120_000);
afterAll(() => instance.dispose());

describe('export memory', () => {
  it(`exports ${RECORDS} records of 12 kB each with a 48 MiB heap`, { timeout: 180_000 }, () => {
    const out = join(instance.paths.root, '..', 'big.zip');
    const probe = join(import.meta.dirname, 'helpers', 'export-memory-probe.ts');
    const run = spawnSync(process.execPath, ['--max-old-space-size=48', probe, instance.paths.root, personId, out], { encoding: 'utf8' });
    expect(run.stderr.replace(/^.*ExperimentalWarning.*$\n?|^\(Use `node --trace-warnings.*$\n?/gm, '')).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { total: number; attachments: number; peakHeap: number; rssGrowth: number };
    expect(result.total).toBe(RECORDS);
    expect(result.attachments).toBe(RECORDS);
    console.log(`export of ${RECORDS} records: peak heap ${(result.peakHeap / 1024 ** 2).toFixed(1)} MiB, rss growth ${(result.rssGrowth / 1024 ** 2).toFixed(1)} MiB, zip ${(statSync(out).size / 1024 ** 2).toFixed(1)} MiB`);
  });
});
