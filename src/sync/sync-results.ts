import type { WriteOutcome } from '../records/record-store.ts';
import { emptyTypeResult, type SyncIssue, type SyncResults, type TypeResult } from './sync-types.ts';

/** Issues of one kind are kept once with a count, so a 10,000-entry page of one problem stays small. */
const MAX_DISTINCT_ISSUES = 50;

export function resultFor(results: SyncResults, type: string): TypeResult {
  return (results[type] ??= emptyTypeResult());
}

export function addIssue(results: SyncResults, type: string, kind: 'warnings' | 'errors', issue: SyncIssue): void {
  const list = resultFor(results, type)[kind];
  const same = list.find((known) => known.code === issue.code && known.status === issue.status && known.target === issue.target);
  if (same) same.count = (same.count ?? 1) + 1;
  else if (list.length < MAX_DISTINCT_ISSUES) list.push({ ...issue });
}

export function countWrite(results: SyncResults, type: string, outcome: WriteOutcome): void {
  const result = resultFor(results, type);
  if (outcome === 'created') result.new++;
  else if (outcome === 'updated') result.updated++;
  else result.unchanged++;
}

/**
 * A job's end state (issue 4 §5): any type with errors makes it 'partial', or 'failed' when nothing
 * at all was received; never 'succeeded' after a failed type (STYLE.md "Avoid").
 */
export function finalState(results: SyncResults): 'succeeded' | 'partial' | 'failed' {
  const all = Object.values(results);
  const failedTypes = all.filter((result) => result.errors.length > 0).length;
  if (failedTypes === 0) return 'succeeded';
  const received = all.reduce((sum, result) => sum + result.new + result.updated + result.unchanged, 0);
  return received > 0 ? 'partial' : 'failed';
}

export function totals(results: SyncResults): { new: number; updated: number; unchanged: number; warnings: number; errors: number } {
  const sum = { new: 0, updated: 0, unchanged: 0, warnings: 0, errors: 0 };
  for (const result of Object.values(results)) {
    sum.new += result.new;
    sum.updated += result.updated;
    sum.unchanged += result.unchanged;
    sum.warnings += result.warnings.reduce((n, issue) => n + (issue.count ?? 1), 0);
    sum.errors += result.errors.reduce((n, issue) => n + (issue.count ?? 1), 0);
  }
  return sum;
}
