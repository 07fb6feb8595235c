const DAY = 86_400_000;

export interface RetentionRules {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface RetentionInput {
  id: string;
  startedAt: number;
  /** People whose data the backup holds. */
  people: string[];
}

/** The UTC day, ISO week (Monday start) and month a time falls in, as bucket keys. */
function buckets(at: number): { day: string; week: string; month: string } {
  const date = new Date(at);
  const day = date.toISOString().slice(0, 10);
  const monday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - ((date.getUTCDay() + 6) % 7)));
  return { day, week: `w${monday.toISOString().slice(0, 10)}`, month: day.slice(0, 7) };
}

/**
 * Which good backups to delete. Grandfather-father-son: the newest backup of each of the last
 * `daily` days, `weekly` weeks and `monthly` months that have one is kept, the rest go. Then the
 * deletion bound, which overrides all of that: a backup taken before a person's deletion holds the
 * person's vault. Key escrow (escrow.ts) keeps its data key out of the archive and drops it from the
 * escrow at deletion, which shreds it; this bound is the backstop for what escrow cannot reach: an
 * archive from before escrow (its system.db holds the wrapped key, which the master key unwraps), a
 * target whose escrow rewrite is still pending, an escrow copied elsewhere. Such a backup is deleted once the deletion is
 * `windowDays - 2` days old (two days of slack for a daily schedule that runs late), which keeps
 * every backup within the promised window (issue 6 §2) while the other people keep their history.
 * `deletedAt` maps a deleted person to when it happened (0 when unknown: pruned at once). Pure.
 */
export function backupsToPrune(
  backups: RetentionInput[],
  rules: RetentionRules,
  deletedAt: Map<string, number>,
  windowDays: number,
  now: number,
): { id: string; reason: string }[] {
  const graceMs = Math.max(0, windowDays - 2) * DAY;
  const newestFirst = [...backups].sort((a, b) => b.startedAt - a.startedAt);
  // Listed in the manifest means the backup holds their vault, whenever the deletion came.
  const holdsDeleted = (backup: RetentionInput) =>
    backup.people.some((person) => {
      const at = deletedAt.get(person);
      return at !== undefined && now >= at + graceMs;
    });
  const result: { id: string; reason: string }[] = [];
  const eligible: RetentionInput[] = [];
  for (const backup of newestFirst) {
    if (holdsDeleted(backup)) result.push({ id: backup.id, reason: 'holds a person deleted within the deletion window' });
    else eligible.push(backup);
  }
  // Retention picks among the backups that may stay, so a doomed one never takes a day's place.
  const keep = new Set<string>();
  for (const [kind, limit] of [['day', rules.daily], ['week', rules.weekly], ['month', rules.monthly]] as const) {
    const seen = new Set<string>();
    for (const backup of eligible) {
      const key = buckets(backup.startedAt)[kind];
      if (seen.has(key)) continue;
      if (seen.size >= limit) break;
      seen.add(key);
      keep.add(backup.id);
    }
  }
  for (const backup of eligible) if (!keep.has(backup.id)) result.push({ id: backup.id, reason: 'retention' });
  return result;
}
