import { spawn, type ChildProcess } from 'node:child_process';
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
export interface RunOptions {
  killAfterMs?: number;
  /** Polled every 20 ms while the command runs; SIGKILL as soon as it answers true. */
  killWhen?: () => boolean;
  timeoutMs?: number;
  /** Written to the child's standard input, which is then closed; without it stdin is ignored. */
  input?: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const argv = [...HEARTH_NODE_FLAGS, HEARTH_BIN, ...args];
    const childEnv = { PATH: process.env.PATH, ...env };
    const child =
      options.input === undefined
        ? spawn(process.execPath, argv, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(process.execPath, argv, { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    if (options.input !== undefined) {
      // A child that exits before reading all of it would make the write fail with EPIPE.
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input);
    }
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timers = [setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)];
    if (options.killAfterMs !== undefined) timers.push(setTimeout(() => child.kill('SIGKILL'), options.killAfterMs));
    const poll = options.killWhen && setInterval(() => options.killWhen!() && child.kill('SIGKILL'), 20);
    child.on('exit', (code, signal) => {
      for (const timer of timers) clearTimeout(timer);
      if (poll) clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Starts `hearth serve` in a child process and resolves with its address once it prints the
 * "listening on" line; `stderr()` gives what it printed so far. The caller stops it (SIGTERM).
 */
export async function startServe(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<{ child: ChildProcess; address: string; stderr: () => string; stdout: () => string }> {
  const child = spawn(process.execPath, [...HEARTH_NODE_FLAGS, HEARTH_BIN, 'serve', '--port', '0', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no listening line: ${stderr}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (https?:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { child, address, stderr: () => stderr, stdout: () => stdout };
}
