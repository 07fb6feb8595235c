import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportItem } from './types.ts';

/** Shared test plumbing: temp folders that clean up, and draining a reader. */

/**
 * Not a speed target: SECURITY.md's "refused within 1 s" is measured by `npm run bench` (hostile
 * input section). This bound only catches a reader that blows up (quadratic entity expansion or a
 * backtracking parse take minutes), with room for a loaded CI machine.
 */
export const HANG_GUARD_MS = 15_000;

export function makeTempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-readers-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function collect(items: AsyncIterable<ImportItem> | Iterable<ImportItem>): Promise<ImportItem[]> {
  const result: ImportItem[] = [];
  for await (const item of items) result.push(item);
  return result;
}

export function resources(items: ImportItem[]): Record<string, unknown>[] {
  return items.flatMap((item) => (item.kind === 'resource' ? [item.resource] : []));
}

export function errors(items: ImportItem[]): Extract<ImportItem, { kind: 'error' }>[] {
  return items.filter((item): item is Extract<ImportItem, { kind: 'error' }> => item.kind === 'error');
}

/** Runs `work` and returns its result with the elapsed milliseconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await work();
  return { result, ms: performance.now() - start };
}
