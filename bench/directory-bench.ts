// The provider directory's benchmark (issue 4 §7): p95 per query over a varied set of queries
// against the whole shipped directory (target < 10 ms), the time to load and index it, and the
// heap the loaded index holds. `npm run bench` runs it; `node bench/directory-bench.ts` alone too.
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readDirectoryFile, SHIPPED_DIRECTORY } from '../src/directory/directory-file.ts';
import { buildDirectoryIndex, type DirectoryIndex, type DirectoryQuery } from '../src/directory/directory-search.ts';
import { percentile, timeCalls } from './measure.ts';

/** Names whole and in part, several words, typos, accents, ZIP/state/vendor filters, filters alone. */
export const DIRECTORY_QUERIES: DirectoryQuery[] = [
  ...['mayo clinic', 'cleveland clinic', 'kaiser permanente', 'mass general brigham', 'johns hopkins', 'providence', 'intermountain', 'geisinger', 'ochsner', 'sutter health',
    'mercy', 'st lukes', "children's hospital", 'university of michigan', 'baptist health', 'banner health', 'advocate aurora', 'atrium health', 'northwell', 'montefiore'].map((text) => ({ text })),
  ...['m', 'ma', 'st', 'fam', 'pedi', 'heal', 'ortho', 'derm', 'cardio', 'women'].map((text) => ({ text })),
  ...['family medicine associates', 'medicine family', 'pediatrics associates', 'health system regional', 'internal medicine clinic', 'center medical'].map((text) => ({ text })),
  ...['clevland clinic', 'kaizer permanente', 'pediatircs', 'provdence', 'hosptial', 'geisnger', 'familly medicine', 'orthopedcs'].map((text) => ({ text })),
  ...['clínica', 'SÃO JOSÉ', 'CHILDRENS HOSPITAL', 'Saint Mary’s'].map((text) => ({ text })),
  { text: 'family', zip: '30' }, { text: 'medical', zip: '02115' }, { text: 'clinic', state: 'TX' }, { text: 'hospital', state: 'CA' }, { text: 'mercy', vendor: 'epic' },
  { text: 'pediatrics', vendor: 'athena' }, { text: 'health', vendor: 'cerner', state: 'MO' }, { text: 'medicine', zip: '9' },
  { state: 'AK' }, { state: 'NY' }, { vendor: 'epic' }, { vendor: 'athenahealth' }, { zip: '100' }, { vendor: 'meditech', state: 'MA' },
];

function heapCollector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface DirectoryBench {
  organizations: number;
  loadMs: number;
  indexMs: number;
  heapMiB: number;
  queries: number;
  p50Ms: number;
  p95Ms: number;
  worstQueryP95Ms: number;
  worstQuery: string;
}

export function benchDirectory(rows: [string, string, string, string][], runs = 30): DirectoryBench {
  const gc = heapCollector();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let started = performance.now();
  const directory = readDirectoryFile(SHIPPED_DIRECTORY);
  const loadMs = performance.now() - started;
  started = performance.now();
  let index: DirectoryIndex | undefined = buildDirectoryIndex(directory);
  const indexMs = performance.now() - started;
  gc();
  // The directory's entries stay referenced by the index: this is what a server holds once loaded.
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const all: number[] = [];
  let worstQueryP95Ms = 0;
  let worstQuery = '';
  for (const query of DIRECTORY_QUERIES) {
    const times = timeCalls(() => index!.search({ ...query, limit: 20 }), runs);
    all.push(...times);
    const p95 = percentile(times, 95);
    if (p95 > worstQueryP95Ms) [worstQueryP95Ms, worstQuery] = [p95, JSON.stringify(query)];
  }
  all.sort((a, b) => a - b);
  const result: DirectoryBench = {
    organizations: index.size,
    loadMs,
    indexMs,
    heapMiB,
    queries: DIRECTORY_QUERIES.length,
    p50Ms: percentile(all, 50),
    p95Ms: percentile(all, 95),
    worstQueryP95Ms,
    worstQuery,
  };
  index = undefined;
  rows.push([`directory search (${result.queries} queries, ${result.organizations} organisations)`, `p50 ${result.p50Ms.toFixed(2)} ms, p95 ${result.p95Ms.toFixed(2)} ms (worst query p95 ${worstQueryP95Ms.toFixed(2)} ms: ${worstQuery})`, 'p95 < 10 ms', result.p95Ms < 10 ? 'met' : 'NOT met']);
  rows.push(['directory load + index', `${loadMs.toFixed(0)} ms + ${indexMs.toFixed(0)} ms, heap ${heapMiB.toFixed(1)} MiB`, '-', '-']);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows: [string, string, string, string][] = [];
  console.log(JSON.stringify(benchDirectory(rows), null, 2));
  for (const row of rows) console.log(row.join('  '));
}
