import type { AccessControl } from '../access/access.ts';
import { auditLog } from '../audit/index.ts';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { sourcesRepository } from '../sources/sources-repository.ts';
import { syncRepository } from './sync-repository.ts';
import type { SyncRequester } from './sync-jobs.ts';

export const DEFAULT_INTERVAL_HOURS = 24;
/** Thirty days: a source synced less often than monthly is better synced by hand. */
export const MAX_INTERVAL_HOURS = 720;
export const HOUR_MS = 3_600_000;

/** A person's provider source, or the one not-found (another person's source answers like a missing one). */
export function providerSourceOf(instance: Pick<Instance, 'system'>, personId: string, sourceId: string) {
  const source = sourcesRepository(instance.system).get(sourceId);
  if (!source || source.personId !== personId || source.kind !== 'provider') throw new HearthError('not-found', 'no such source');
  return source;
}

/**
 * How often the schedule syncs a source (issue 4 §5: daily by default, per source). Needs no
 * provider: the next run moves to the last success (or now) plus the new interval; a setting
 * change is audited in the person's trail.
 */
export function setSyncInterval(
  context: { instance: Instance; access: AccessControl; now?: () => number },
  requester: SyncRequester,
  personId: string,
  sourceId: string,
  intervalHours: number,
) {
  const { instance, access } = context;
  const now = context.now ?? Date.now;
  access.requireAccess(requester.actor, personId, 'write');
  providerSourceOf(instance, personId, sourceId);
  if (!Number.isInteger(intervalHours) || intervalHours < 1 || intervalHours > MAX_INTERVAL_HOURS) {
    throw new HearthError('invalid', `the sync interval must be a whole number of hours from 1 to ${MAX_INTERVAL_HOURS}`);
  }
  const repository = syncRepository(instance.system);
  const from = repository.schedule(sourceId)?.lastSuccessAt ?? now();
  repository.setSchedule(sourceId, intervalHours, Math.max(now(), from + intervalHours * HOUR_MS));
  const vault = instance.people.openVault(personId);
  try {
    auditLog(vault.db).append({
      actor: requester.auditActor,
      personId,
      action: 'setting',
      outcome: 'success',
      what: { query: `source=${sourceId}&syncIntervalHours=${intervalHours}` },
      ...(requester.sourceAddress ? { sourceAddress: requester.sourceAddress } : {}),
      ...(requester.requestId ? { requestId: requester.requestId } : {}),
    });
  } finally {
    vault.close();
  }
  return repository.schedule(sourceId)!;
}
