import { describe, expect, it } from 'vitest';
import { backupsToPrune } from './retention.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-22T03:00:00Z');
const RULES = { daily: 7, weekly: 4, monthly: 12 };

/** One backup a day at 02:00 UTC for `days` days before NOW. */
function daily(days: number, people: string[] = ['p1']) {
  return Array.from({ length: days }, (_, i) => ({ id: `b${i}`, startedAt: NOW - DAY * i - 3_600_000, people }));
}

describe('backup retention', () => {
  it('keeps 7 daily, 4 weekly and 12 monthly backups and prunes the rest', () => {
    const backups = daily(400);
    const pruned = new Set(backupsToPrune(backups, RULES, new Map(), 30, NOW).map((p) => p.id));
    const kept = backups.filter((b) => !pruned.has(b.id));
    // 7 daily; weekly and monthly picks overlap them and each other, so fewer than 23 in all.
    for (let i = 0; i < 7; i += 1) expect(pruned.has(`b${i}`)).toBe(false);
    const months = new Set(kept.map((b) => new Date(b.startedAt).toISOString().slice(0, 7)));
    expect(months.size).toBe(12);
    expect(kept.length).toBeGreaterThanOrEqual(12);
    expect(kept.length).toBeLessThanOrEqual(7 + 4 + 12);
    // Nothing older than the 12th month back survives.
    const oldest = Math.min(...kept.map((b) => b.startedAt));
    expect(NOW - oldest).toBeLessThan(366 * DAY);
    expect(pruned.size).toBe(400 - kept.length);
  });

  it('prunes nothing while there are fewer backups than the rules keep', () => {
    expect(backupsToPrune(daily(5), RULES, new Map(), 30, NOW)).toEqual([]);
  });

  it('removes every backup holding a deleted person by the end of the deletion window, and only those', () => {
    const before = daily(200, ['p1', 'gone']);
    const after = [{ id: 'after', startedAt: NOW - 1_800_000, people: ['p1'] }, { id: 'after-0', startedAt: NOW - 7_200_000, people: ['p1'] }];
    const deletedAt = new Map([['gone', NOW - 20 * DAY]]);
    // Twenty days after the deletion: still within the window, retention alone decides.
    const early = backupsToPrune([...before, ...after], RULES, deletedAt, 30, NOW);
    expect(early.every((p) => p.reason === 'retention')).toBe(true);
    // Twenty-eight days after (30 minus two days of slack): all of them go, whatever their age.
    const late = backupsToPrune([...before, ...after], RULES, deletedAt, 30, NOW + 8 * DAY);
    const lateIds = new Set(late.map((p) => p.id));
    for (const backup of before) expect(lateIds.has(backup.id)).toBe(true);
    expect(lateIds.has('after')).toBe(false);
    // Retention is decided among the survivors: the older backup of the same day goes, the newest stays.
    expect(lateIds.has('after-0')).toBe(true);
  });
});
