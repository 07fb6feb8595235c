import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HEARTH_NODE_FLAGS } from '../../src/runtime-flags.ts';

export const HEARTH_BIN = join(import.meta.dirname, '..', '..', 'bin', 'hearth.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `hearth` CLI in a child process (the pinned Node), bounded in time. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, options: { killAfterMs?: number; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...HEARTH_NODE_FLAGS, HEARTH_BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timers = [setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)];
    if (options.killAfterMs !== undefined) timers.push(setTimeout(() => child.kill('SIGKILL'), options.killAfterMs));
    child.on('exit', (code, signal) => {
      for (const timer of timers) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
