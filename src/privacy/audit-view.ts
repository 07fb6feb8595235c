import { accessControl, type Actor } from '../access/access.ts';
import { accountsRepository } from '../accounts/accounts-repository.ts';
import { AUDIT_ACTIONS, auditLog, toAuditEvent, type AuditAction, type AuditEntry, type AuditOutcome, type AuditWhat } from '../audit/index.ts';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';

/** Who did it, as the person's audit view shows it. */
export interface ViewActor {
  /** The audit actor: an account id, `cli:<os user>`, an app's client id. */
  id: string;
  /** The account's username; null for the command line, apps and deleted accounts. */
  username: string | null;
  kind: 'account' | 'cli' | 'app';
}

export interface ViewEntry {
  seq: number;
  recordedAt: string;
  actor: ViewActor;
  action: AuditAction;
  what: AuditWhat | null;
  outcome: AuditOutcome;
  sourceAddress: string | null;
  requestId: string | null;
}

export interface AuditPage {
  entries: ViewEntry[];
  total: number;
  verification: { ok: boolean; entries: number; problems: { seq: number; kind: string; message: string }[] };
}

export interface AuditViewQuery {
  from?: string;
  to?: string;
  action?: string;
  limit?: number;
  offset?: number;
}

export interface ViewRequester {
  actor: Actor;
  auditActor: string;
  sourceAddress?: string;
  requestId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXPORT_PAGE = 10_000;

/**
 * A person's audit trail (issue 6 §3): the hash-chained log in their vault, filtered and paged, with
 * the chain's verification. Seeing who touched a person's records is managing that person: it needs
 * the 'manage' action (access/access.ts), which only the person's owner role and the instance owner
 * hold; a viewer or manager gets the one 404. Reading or exporting the trail is itself recorded in it.
 */
export function auditView(instance: Instance) {
  const access = accessControl(instance.system);
  const accounts = accountsRepository(instance.system);
  const systemAudit = auditLog(instance.system);

  function viewActor(id: string): ViewActor {
    if (id.startsWith('cli:')) return { id, username: null, kind: 'cli' };
    const account = accounts.byId(id);
    if (account) return { id, username: account.username, kind: 'account' };
    return { id, username: null, kind: UUID.test(id) ? 'account' : 'app' };
  }

  const toView = (entry: AuditEntry): ViewEntry => ({
    seq: entry.seq,
    recordedAt: entry.recordedAt,
    actor: viewActor(entry.actor),
    action: entry.action,
    what: entry.what ?? null,
    outcome: entry.outcome,
    sourceAddress: entry.sourceAddress ?? null,
    requestId: entry.requestId ?? null,
  });

  function checkAction(action: string | undefined): AuditAction | undefined {
    if (action === undefined || action === '') return undefined;
    if (!(AUDIT_ACTIONS as readonly string[]).includes(action)) throw new HearthError('invalid', `action must be one of ${AUDIT_ACTIONS.join(', ')}`);
    return action as AuditAction;
  }

  function withTrail<T>(by: ViewRequester, personId: string, what: AuditWhat, work: (log: ReturnType<typeof auditLog>) => T): T {
    try {
      access.requireAccess(by.actor, personId, 'manage');
    } catch (error) {
      // A refusal is recorded in the system trail, never in the vault of someone the caller may not see.
      systemAudit.append({ actor: by.auditActor, personId, action: 'read', what, outcome: 'denied', ...(by.sourceAddress ? { sourceAddress: by.sourceAddress } : {}), ...(by.requestId ? { requestId: by.requestId } : {}) });
      throw error;
    }
    const vault = instance.people.openVault(personId);
    try {
      const log = auditLog(vault.db);
      const result = work(log);
      log.append({
        actor: by.auditActor,
        personId,
        action: what.query?.startsWith('export') ? 'export' : 'read',
        what,
        outcome: 'success',
        ...(by.sourceAddress ? { sourceAddress: by.sourceAddress } : {}),
        ...(by.requestId ? { requestId: by.requestId } : {}),
      });
      return result;
    } finally {
      vault.close();
    }
  }

  return {
    page(by: ViewRequester, personId: string, query: AuditViewQuery): AuditPage {
      const action = checkAction(query.action);
      const filters = {
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
        ...(action ? { action } : {}),
      };
      return withTrail(by, personId, { query: 'view=audit' }, (log) => {
        const entries = log.list({ ...filters, limit: query.limit ?? 50, offset: query.offset ?? 0 }).map(toView);
        const total = log.count(filters);
        const verified = log.verify();
        return {
          entries,
          total,
          verification: { ok: verified.ok, entries: verified.entries, problems: verified.ok ? [] : [verified.problem] },
        };
      });
    },

    /** The whole trail as FHIR AuditEvent NDJSON (one JSON object per line). */
    exportNdjson(by: ViewRequester, personId: string): string {
      return withTrail(by, personId, { query: 'export=audit' }, (log) => {
        const lines: string[] = [];
        for (let offset = 0; ; offset += EXPORT_PAGE) {
          const page = log.list({ limit: EXPORT_PAGE, offset });
          for (const entry of page) lines.push(JSON.stringify(toAuditEvent(entry)));
          if (page.length < EXPORT_PAGE) break;
        }
        return lines.length > 0 ? `${lines.join('\n')}\n` : '';
      });
    },
  };
}

export type AuditView = ReturnType<typeof auditView>;
