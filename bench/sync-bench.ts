// The sync engine's benchmark (issue 4 §7): a 10,000-resource patient from the test provider over
// loopback with 20 ms latency per request, synced through the guarded outbound client into a real
// encrypted vault. Target: elapsed <= 1.5 × (pages ÷ concurrency × latency), the time the requests
// alone would take at the per-host concurrency. Pages of one search follow each other (each next
// link comes with the page before it), so the concurrency helps the reference rounds only and a
// plain page walk is bounded by pages × latency; both figures are reported.
// `npm run bench` runs it; `node bench/sync-bench.ts` alone too.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outboundClient } from '../src/outbound/outbound-client.ts';
import { DEFAULT_PER_HOST_CONCURRENCY } from '../src/sync/host-limiter.ts';
import { runSync } from '../src/sync/sync-engine.ts';
import { finalState, totals } from '../src/sync/sync-results.ts';
import type { SyncResults } from '../src/sync/sync-types.ts';
import { tempVault } from '../test/helpers/temp-vault.ts';

/** 'everything': one Patient/$everything walk; 'types': one search per US Core type (no $everything). */
export type SyncBenchMode = 'everything' | 'types';

export interface SyncBench {
  mode: SyncBenchMode;
  resources: number;
  requests: number;
  pages: number;
  latencyMs: number;
  seconds: number;
  /** pages ÷ concurrency × latency (the brief's bound before the 1.5 factor). */
  boundSeconds: number;
  /** pages × latency: a strictly sequential page walk. */
  sequentialSeconds: number;
  /** Time the engine waited for the provider's answers (headers), summed over requests. */
  providerWaitSeconds: number;
  /** CPU time of this process (the engine: parsing, validation, index rows, SQLite) during the sync. */
  engineCpuSeconds: number;
  state: string;
}

/** Starts the provider child and reads its one line of connection details. */
async function startProviderChild(resources: number, latencyMs: number, mode: SyncBenchMode): Promise<{ child: ChildProcess; info: { fhirBaseUrl: string; origins: string[]; patientId: string; token: string } }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'sync-provider-child.ts'), String(resources), String(latencyMs), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes('\n')) resolve(buffer.split('\n')[0]!);
    });
    child.once('exit', () => reject(new Error('the test provider did not start')));
  });
  return { child, info: JSON.parse(line) as { fhirBaseUrl: string; origins: string[]; patientId: string; token: string } };
}

export async function measureSync(options: { resources?: number; latencyMs?: number; mode?: SyncBenchMode } = {}): Promise<SyncBench> {
  const latencyMs = options.latencyMs ?? 20;
  const mode = options.mode ?? 'everything';
  const { child, info } = await startProviderChild(options.resources ?? 10_000, latencyMs, mode);
  const outbound = outboundClient({ allowlist: info.origins });
  const vault = tempVault();
  try {
    const { patientId, token } = info;
    const session = { sourceId: 'bench', fhirBaseUrl: info.fhirBaseUrl, patientId, grantedScopes: ['patient/*.rs'], accessToken: async () => token, refreshAfterUnauthorized: async () => token };
    let requests = 0;
    let waitMs = 0;
    // Time until each answer's headers: the provider's share (its latency and its own work).
    const timedFetch: typeof outbound.fetch = async (url, init) => {
      requests++;
      const t = performance.now();
      try {
        return await outbound.fetch(url, init);
      } finally {
        waitMs += performance.now() - t;
      }
    };
    const results: SyncResults = {};
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await runSync({ vault, sourceId: 'bench', jobId: 'bench', session, fetch: timedFetch, checkpoint: null, results, since: null, saveProgress: () => {} });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const pages = result.checkpoint.pages;
    const sum = totals(results);
    return {
      mode,
      resources: sum.new + sum.updated + sum.unchanged,
      requests,
      pages,
      latencyMs,
      seconds,
      boundSeconds: (pages / DEFAULT_PER_HOST_CONCURRENCY) * (latencyMs / 1000),
      sequentialSeconds: pages * (latencyMs / 1000),
      providerWaitSeconds: waitMs / 1000,
      engineCpuSeconds: (used.user + used.system) / 1e6,
      state: finalState(results),
    };
  } finally {
    vault.dispose();
    await outbound.close();
    child.kill('SIGTERM');
  }
}

/** Adds its row to `npm run bench`'s table. */
export async function benchSync(rows: [string, string, string, string][]): Promise<SyncBench[]> {
  const runs: SyncBench[] = [];
  for (const mode of ['everything', 'types'] as const) runs.push(syncRow(rows, await measureSync({ mode })));
  return runs;
}

function syncRow(rows: [string, string, string, string][], run: SyncBench): SyncBench {
  const target = 1.5 * run.boundSeconds;
  rows.push([
    `provider sync (10k resources, 20 ms latency, ${run.mode === 'everything' ? 'Patient/$everything' : 'type searches'})`,
    `${run.seconds.toFixed(2)} s, ${run.pages} pages, ${run.requests} requests, ${run.state} (waiting on the provider ${run.providerWaitSeconds.toFixed(2)} s; engine CPU ${run.engineCpuSeconds.toFixed(2)} s; pages × latency ${run.sequentialSeconds.toFixed(2)} s)`,
    `<= ${target.toFixed(2)} s (1.5 × pages ÷ ${DEFAULT_PER_HOST_CONCURRENCY} × latency)`,
    run.seconds <= target && run.state === 'succeeded' ? 'met' : 'NOT met',
  ]);
  return run;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows: [string, string, string, string][] = [];
  console.log(JSON.stringify(await benchSync(rows), null, 2));
  console.log(rows.map((row) => row.join('  ')).join('\n'));
}
