import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportItem } from './types.ts';

/** Shared test plumbing: temp folders that clean up, and draining a reader. */

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
