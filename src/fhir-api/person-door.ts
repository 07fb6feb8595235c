import type { AccessAction, AccessControl } from '../access/access.ts';
import type { AuditAction, AuditEntryInput, AuditLog, AuditWhat } from '../audit/index.ts';
import { isHearthError } from '../errors/hearth-error.ts';
import type { OpenVault, VaultCache } from './vault-cache.ts';

/** Who is asking, and from where: what every audit entry records. */
export interface Caller {
  accountId: string;
  address: string;
  requestId: string;
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const RESOURCE_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The audit `what` of a request, keeping only what is well-formed (a bad type or id in a URL is not recorded). */
export function auditWhat(type?: string, ids: readonly string[] = [], query?: string): AuditWhat {
  const what: AuditWhat = {};
  if (type !== undefined && RESOURCE_TYPE.test(type)) {
    what.type = type;
    const good = ids.filter((id) => RESOURCE_ID.test(id));
    if (good.length > 0) what.ids = good;
  }
  if (query !== undefined) what.query = query;
  return what;
}

export interface PersonDoor {
  /**
   * Checks access FIRST (the one door, access/access.ts), then runs `work` on the person's open
   * vault and records the outcome in that vault's audit trail. A refusal is recorded in the system
   * audit trail as `denied` (never in the vault of someone the caller may not see) and rethrown as
   * the one not-found.
   */
  enter<T>(caller: Caller, personId: string, action: AccessAction, audit: { action: AuditAction; what: AuditWhat }, work: (open: OpenVault) => T): T;
}

/**
 * Appends an entry; if its `what` is refused (a credential-named query parameter), the entry goes in
 * without it. Entries of reads and searches are relaxed appends (audit-log.ts: in the WAL at once,
 * on disk with the next checkpoint), so an fsync per request does not cap the API's throughput.
 */
function appendSafely(log: AuditLog, entry: AuditEntryInput): void {
  const options = { relaxed: entry.action === 'read' || entry.action === 'search' };
  try {
    log.append(entry, options);
  } catch (error) {
    if (!isHearthError(error) || error.code !== 'invalid') throw error;
    const { what: _what, ...rest } = entry;
    log.append(rest, options);
  }
}

export function personDoor(access: AccessControl, systemAudit: AuditLog, vaults: VaultCache): PersonDoor {
  return {
    enter<T>(caller: Caller, personId: string, action: AccessAction, audit: { action: AuditAction; what: AuditWhat }, work: (open: OpenVault) => T): T {
      const entry = { actor: caller.accountId, personId, action: audit.action, what: audit.what, sourceAddress: caller.address, requestId: caller.requestId };
      try {
        access.requireAccess({ kind: 'account', accountId: caller.accountId }, personId, action);
      } catch (error) {
        appendSafely(systemAudit, { ...entry, outcome: 'denied' });
        throw error;
      }
      const open = vaults.get(personId);
      let result: T;
      try {
        result = work(open);
      } catch (error) {
        appendSafely(open.audit, { ...entry, outcome: 'failure' });
        throw error;
      }
      appendSafely(open.audit, { ...entry, outcome: 'success' });
      return result;
    },
  };
}
