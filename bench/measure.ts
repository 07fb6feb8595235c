import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { HEARTH_NODE_FLAGS } from '../src/runtime-flags.ts';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Milliseconds per call of `work`, after warm-up runs. */
export function timeCalls(work: () => unknown, runs: number, warmup = 5): number[] {
  for (let i = 0; i < warmup; i++) work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

function rssKiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs the hearth CLI in a child process, sampling its resident memory; bounded by `timeoutMs`. */
export function runHearth(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; peakRssMiB: number; seconds: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, [...HEARTH_NODE_FLAGS, 'bin/hearth.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(child.pid!))), 50);
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({ code, peakRssMiB: peak / 1024, seconds: (performance.now() - start) / 1000, stdout, stderr });
    });
  });
}

/** Starts `hearth serve` on a free loopback port and times until /healthz answers, then stops it. */
export function coldStart(dataDir: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [...HEARTH_NODE_FLAGS, 'bin/hearth.js', 'serve', '--port', '0', '--data-dir', dataDir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('serve did not become ready in time'));
    }, timeoutMs);
    let buffer = '';
    child.stderr.on('data', async (chunk) => {
      buffer += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buffer);
      if (!match) return;
      child.stderr.removeAllListeners('data');
      const response = await fetch(`${match[1]}/healthz`);
      const ready = (performance.now() - start) / 1000;
      clearTimeout(killer);
      child.kill('SIGTERM');
      if (response.ok) resolve(ready);
      else reject(new Error(`healthz answered ${response.status}`));
    });
  });
}
