import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { HEARTH_NODE_FLAGS } from '../src/runtime-flags.ts';

/** What one load run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface ApiLoadOptions {
  /** Seconds per load run. */
  seconds: number;
  connections: number;
}

const OWNER = { username: 'bench-owner', password: 'a bench password nobody guesses' };
const LAB_SEARCH = 'Observation?code=http://loinc.org|4548-4&date=ge2015-01-01&_sort=-date&_count=20';

/** `hearth serve` on a free loopback port; resolves with its base URL. Killed after `limitMs` whatever happens. */
export function startServer(dataDir: string, env: NodeJS.ProcessEnv, limitMs: number): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [...HEARTH_NODE_FLAGS, 'bin/hearth.js', 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...env, HEARTH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  child.on('exit', () => clearTimeout(killer));
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stderr!.on('data', (chunk) => {
      buffer += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buffer);
      if (match) resolve({ child, base: match[1]! });
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${buffer.slice(-500)}`)));
  });
}

export async function signIn(base: string): Promise<string> {
  const headers = { 'content-type': 'application/json', 'x-hearth-csrf': '1' };
  const setup = await fetch(`${base}/api/setup`, { method: 'POST', headers, body: JSON.stringify(OWNER) });
  const response = setup.status === 201 ? setup : await fetch(`${base}/api/login`, { method: 'POST', headers, body: JSON.stringify(OWNER) });
  const cookie = response.headers.get('set-cookie');
  if (!response.ok || !cookie) throw new Error(`bench sign-in failed: ${response.status} ${await response.text()}`);
  return cookie.split(';', 1)[0]!;
}

function load(url: string, cookie: string, options: ApiLoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon({ url, headers: { cookie }, connections: options.connections, duration: options.seconds }, (error, result) => {
      if (error) return reject(error);
      resolve({
        requestsPerSecond: result.requests.average,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
      });
    });
  });
}

/**
 * API load on the loopback interface: the server in a child process (one core), autocannon here
 * (the other). An authenticated read of one Observation, then a typical lab search, each for a
 * bounded time; the server is stopped whatever happens.
 */
export async function measureApiLoad(dataDir: string, personId: string, env: NodeJS.ProcessEnv, options: ApiLoadOptions): Promise<{ read: LoadResult; labSearch: LoadResult; labSearchConcurrent: LoadResult }> {
  const { child, base } = await startServer(dataDir, env, (options.seconds * 2 + 120) * 1000);
  try {
    const cookie = await signIn(base);
    const first = await fetch(`${base}/fhir/${personId}/Observation?_count=1`, { headers: { cookie } });
    const bundle = (await first.json()) as { entry?: { resource: { id: string } }[] };
    const observationId = bundle.entry?.[0]?.resource.id;
    if (!first.ok || !observationId) throw new Error(`no Observation to read: ${first.status}`);
    const read = await load(`${base}/fhir/${personId}/Observation/${observationId}`, cookie, options);
    // A person's own search (one client: its latency is the search's), then the same under the
    // read run's concurrency (latency there is mostly waiting in line on the one server core).
    const labSearch = await load(`${base}/fhir/${personId}/${LAB_SEARCH}`, cookie, { ...options, connections: 1 });
    const labSearchConcurrent = await load(`${base}/fhir/${personId}/${LAB_SEARCH}`, cookie, options);
    return { read, labSearch, labSearchConcurrent };
  } finally {
    child.kill('SIGTERM');
  }
}
