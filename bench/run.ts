import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { importFiles } from '../src/import/import-service.ts';
import { initInstance, openInstance } from '../src/instance/instance.ts';
import { randomKey } from '../src/keys/key-derivation.ts';
import { searchVault } from '../src/search/index.ts';
import { openEncryptedDatabase } from '../src/storage/encrypted-database.ts';
import { HEARTH_VERSION } from '../src/version.ts';
import { measureApiLoad } from './api-load.ts';
import { benchBrowser } from './browser-bench.ts';
import { measureHostileInput } from './hostile-bench.ts';
import { benchDirectory } from './directory-bench.ts';
import { benchSync } from './sync-bench.ts';
import { coldStart, percentile, runHearth, timeCalls } from './measure.ts';
import { writeDemoNdjson } from './workload.ts';

/** Ten typical queries of a person's records (labs by code and date range, lists, text, _include). */
export const BENCH_QUERIES = [
  'Observation?code=http://loinc.org|4548-4&date=ge2015-01-01&_sort=-date',
  'Observation?code=http://loinc.org|2345-7&date=ge2020-01-01&date=lt2024-01-01',
  'Observation?category=vital-signs&_sort=-date&_count=20',
  'Observation?code=http://loinc.org|4548-4&value-quantity=gt6.5',
  'Condition?clinical-status=active',
  'MedicationRequest?status=active&_include=MedicationRequest:medication',
  'Observation?_text=glucose&_count=20',
  'DocumentReference?_content=follow',
  'DiagnosticReport?code=http://loinc.org|58410-2&_include=DiagnosticReport:result&_count=10',
  'Encounter?date=ge2020-01-01&_sort=-date&_count=20',
];

interface Options {
  records: number;
  loadSeconds: number;
  bigBytes: number;
  searchRuns: number;
}

function parseOptions(args: string[]): Options {
  const quick = args.includes('--quick');
  return { records: quick ? 20_000 : 100_000, loadSeconds: quick ? 5 : 15, bigBytes: quick ? 100 * 2 ** 20 : 2 ** 30, searchRuns: quick ? 20 : 100 };
}

/** The raw floor: the same NDJSON lines inserted as-is into an encrypted database in one transaction. */
async function rawFloorSeconds(file: string, dir: string): Promise<number> {
  const db = openEncryptedDatabase(join(dir, 'floor.db'), randomKey(), { create: true });
  db.exec('CREATE TABLE documents (json TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO documents (json) VALUES (?)');
  const start = performance.now();
  db.exec('BEGIN');
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line !== '') insert.run(line);
  }
  db.exec('COMMIT');
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return seconds;
}

export async function runBenchmarks(args: string[]): Promise<number> {
  const options = parseOptions(args);
  const work = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
  const env = { ...process.env, HEARTH_MASTER_KEY: randomKey().toString('hex') };
  const results: Record<string, unknown> = { version: HEARTH_VERSION, node: process.version, date: new Date().toISOString(), options };
  const rows: [string, string, string, string][] = [];
  try {
    // 1. Import throughput against the raw floor.
    const file = join(work, 'records.ndjson');
    const written = await writeDemoNdjson(file, { target: options.records });
    const floor = await rawFloorSeconds(file, work);
    const dataDir = join(work, 'data');
    await initInstance(dataDir, env);
    const instance = await openInstance(dataDir, env);
    const person = instance.people.add('Bench');
    const started = performance.now();
    const [report] = await importFiles(instance, { actor: 'bench', paths: [file], target: { kind: 'person', personId: person.id } });
    const importSeconds = (performance.now() - started) / 1000;
    const rate = written.records / importSeconds;
    results.import = { records: written.records, bytes: written.bytes, seconds: importSeconds, recordsPerSecond: rate, floorSeconds: floor, ratioToFloor: importSeconds / floor, errors: report?.errorCount };
    rows.push(['import throughput', `${Math.round(rate)} records/s`, '>= 20000 records/s', rate >= 20_000 ? 'met' : 'NOT met']);
    rows.push(['import vs raw floor', `${(importSeconds / floor).toFixed(1)}x (floor ${floor.toFixed(2)} s)`, '<= 3x', importSeconds / floor <= 3 ? 'met' : 'NOT met']);

    // 2. Search latency over that vault.
    const vault = instance.people.openVault(person.id);
    const latencies: Record<string, { p50: number; p95: number; total: number }> = {};
    for (const query of BENCH_QUERIES) {
      let total = 0;
      const times = timeCalls(() => (total = searchVault(vault.db, query).total), options.searchRuns);
      latencies[query] = { p50: percentile(times, 50), p95: percentile(times, 95), total };
      const p95 = percentile(times, 95);
      rows.push([`search ${query}`, `p50 ${percentile(times, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms (${total} hits)`, 'p95 < 20 ms', p95 < 20 ? 'met' : 'NOT met']);
    }
    results.search = latencies;
    vault.close();
    instance.close();

    // 3. Cold start to ready (serve answering /healthz) on the data directory above.
    const ready = await coldStart(dataDir, env);
    results.coldStartSeconds = ready;
    rows.push(['cold start to ready', `${ready.toFixed(2)} s`, '-', '-']);

    // Hostile input (SECURITY.md "Input"): each vector refused within 1 s.
    const hostile = await measureHostileInput();
    results.hostileInput = hostile;
    const slowest = hostile.reduce((worst, vector) => (vector.worstMs > worst.worstMs ? vector : worst));
    rows.push([
      `hostile input, ${hostile.length} vectors, ${hostile.filter((vector) => vector.refused).length} refused by the readers (slowest: ${slowest.name})`,
      `${slowest.worstMs.toFixed(0)} ms`,
      '<= 1000 ms each',
      hostile.every((vector) => vector.worstMs <= 1000) ? 'met' : 'NOT met',
    ]);

    // 4. API load over loopback on the same vault: the server in a child, autocannon here.
    const api = await measureApiLoad(dataDir, person.id, env, { seconds: options.loadSeconds, connections: 10 });
    results.api = api;
    const described = (run: typeof api.read) => `${Math.round(run.requestsPerSecond)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms (${run.non2xx} non-2xx, ${run.errors} errors)`;
    const clean = (run: typeof api.read) => run.non2xx === 0 && run.errors === 0;
    rows.push(['API read of one Observation', described(api.read), '>= 1500 req/s, p99 < 50 ms', api.read.requestsPerSecond >= 1500 && api.read.p99Ms < 50 && clean(api.read) ? 'met' : 'NOT met']);
    rows.push(['API lab search (100k person, 1 client)', described(api.labSearch), 'p99 < 100 ms', api.labSearch.p99Ms < 100 && clean(api.labSearch) ? 'met' : 'NOT met']);
    rows.push(['API lab search (100k person, 10 clients)', described(api.labSearchConcurrent), 'p99 < 100 ms', api.labSearchConcurrent.p99Ms < 100 && clean(api.labSearchConcurrent) ? 'met' : 'NOT met']);
    // 4b. The dashboard, timeline and lab pages in Chromium over the same vault (bench/browser-bench.ts).
    results.browser = await benchBrowser(dataDir, person.id, env, rows);

    // 5. Peak memory while importing a large NDJSON, in a child process.
    const big = join(work, 'big.ndjson');
    const bigWritten = await writeDemoNdjson(big, { maxBytes: options.bigBytes });
    rmSync(file);
    const bigData = join(work, 'big-data');
    mkdirSync(bigData);
    await initInstance(bigData, env);
    const add = await runHearth(['person', 'add', '--name', 'Big', '--data-dir', bigData], env, 60_000);
    const run = await runHearth(['import', big, '--person', add.stdout.trim(), '--data-dir', bigData], env, 60 * 60_000);
    results.bigImport = { bytes: bigWritten.bytes, records: bigWritten.records, seconds: run.seconds, peakRssMiB: run.peakRssMiB, exitCode: run.code };
    rows.push([
      `peak RSS importing ${(bigWritten.bytes / 2 ** 20).toFixed(0)} MiB NDJSON`,
      `${run.peakRssMiB.toFixed(0)} MiB (${Math.round(bigWritten.records / run.seconds)} records/s, exit ${run.code})`,
      '< 300 MiB',
      run.peakRssMiB < 300 && run.code === 0 ? 'met' : 'NOT met',
    ]);
    // 6. The provider directory: query latency, load and index time, heap (bench/directory-bench.ts).
    results.directory = benchDirectory(rows);
    // 7. A provider sync of a 10,000-resource patient over loopback with latency (bench/sync-bench.ts).
    results.sync = await benchSync(rows);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length), 8));
  for (const row of [['measure', 'result', 'target', 'status'] as const, ...rows]) {
    console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  }
  const out = join('bench', 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ ...results, table: rows }, null, 2)}\n`);
  console.log(`results written to ${out}`);
  return 0;
}
