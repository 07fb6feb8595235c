import { createHash } from 'node:crypto';
import { HearthError } from '../errors/hearth-error.ts';

/** What an audit entry records being done. */
export type AuditAction =
  | 'read'
  | 'search'
  | 'write'
  | 'import'
  | 'export'
  | 'login'
  | 'logout'
  | 'setting'
  | 'delete'
  | 'sync'
  | 'share'
  | 'backup';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export const AUDIT_ACTIONS: readonly AuditAction[] = ['read', 'search', 'write', 'import', 'export', 'login', 'logout', 'setting', 'delete', 'sync', 'share', 'backup'];
const OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied'];

/**
 * What was touched: a FHIR resource type and ids, or a search query. Typed, never free text, so
 * nothing else (tokens, passwords, record contents) has a place to go.
 */
export interface AuditWhat {
  type?: string;
  ids?: string[];
  /** A FHIR search query string (`name=smith&_count=10`), without the base URL. */
  query?: string;
}

export interface AuditEntryInput {
  /** Who did it: an account id, `cli`, an app's client id. */
  actor: string;
  onBehalfOf?: string;
  personId?: string;
  action: AuditAction;
  what?: AuditWhat;
  outcome: AuditOutcome;
  sourceAddress?: string;
  requestId?: string;
}

export interface AuditEntry extends AuditEntryInput {
  seq: number;
  /** UTC, ISO 8601 with milliseconds (`2026-01-02T03:04:05.678Z`). */
  recordedAt: string;
  prevHash: string;
  hash: string;
}

/** The row as stored in `audit_log`. */
export interface AuditRow {
  seq: number;
  recorded_at: string;
  actor: string;
  on_behalf_of: string | null;
  person_id: string | null;
  action: string;
  what: string | null;
  outcome: string;
  source_address: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const RESOURCE_ID = /^[A-Za-z0-9\-.]{1,64}$/;
// Query parameters that carry credentials (OAuth 2.0 RFC 6749 / RFC 7636, SMART) are refused, not
// stripped: the caller must hand over the FHIR search, not the raw request.
const SECRET_PARAMETER = /^(access_token|refresh_token|id_token|token|password|passphrase|secret|client_secret|code_verifier|api_key|key)$/i;

/** Checks an input and returns the `what` column's canonical JSON (fixed key order) or null. */
export function checkEntryInput(input: AuditEntryInput): string | null {
  if (typeof input.actor !== 'string' || input.actor.trim() === '') throw new HearthError('invalid', 'an audit entry needs an actor');
  if (!AUDIT_ACTIONS.includes(input.action)) throw new HearthError('invalid', `unknown audit action "${String(input.action)}"`);
  if (!OUTCOMES.includes(input.outcome)) throw new HearthError('invalid', `unknown audit outcome "${String(input.outcome)}"`);
  const what = input.what;
  if (!what) return null;
  if (what.type !== undefined && !RESOURCE_TYPE.test(what.type)) throw new HearthError('invalid', `audit: "${what.type.slice(0, 40)}" is not a resource type`);
  for (const id of what.ids ?? []) {
    if (!RESOURCE_ID.test(id)) throw new HearthError('invalid', 'audit: ids must be FHIR ids ([A-Za-z0-9-.]{1,64})');
  }
  if (what.ids && what.ids.length > 0 && what.type === undefined) throw new HearthError('invalid', 'audit: ids need their resource type');
  if (what.query !== undefined) {
    for (const name of new URLSearchParams(what.query).keys()) {
      if (SECRET_PARAMETER.test(name.split(':')[0] ?? name)) throw new HearthError('invalid', `audit: the query carries a credential parameter "${name}"; record the search without it`);
    }
  }
  const canonical: AuditWhat = {};
  if (what.type !== undefined) canonical.type = what.type;
  if (what.ids && what.ids.length > 0) canonical.ids = [...what.ids];
  if (what.query !== undefined) canonical.query = what.query;
  return Object.keys(canonical).length > 0 ? JSON.stringify(canonical) : null;
}

/**
 * SHA-256 over a canonical serialisation of the row: a JSON array, in a fixed order, of a version
 * tag, seq, every field exactly as stored (null for absent) and prev_hash. A JSON array of strings,
 * numbers and nulls has one serialisation, so the hash does not depend on key order or spacing.
 */
export function entryHash(row: Omit<AuditRow, 'hash'>, seq: number = row.seq): string {
  const canonical = JSON.stringify([
    'hearth-audit-1',
    seq,
    row.recorded_at,
    row.actor,
    row.on_behalf_of,
    row.person_id,
    row.action,
    row.what,
    row.outcome,
    row.source_address,
    row.request_id,
    row.prev_hash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export function rowToEntry(row: AuditRow): AuditEntry {
  const entry: AuditEntry = {
    seq: row.seq,
    recordedAt: row.recorded_at,
    actor: row.actor,
    action: row.action as AuditAction,
    outcome: row.outcome as AuditOutcome,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
  if (row.on_behalf_of !== null) entry.onBehalfOf = row.on_behalf_of;
  if (row.person_id !== null) entry.personId = row.person_id;
  if (row.what !== null) entry.what = JSON.parse(row.what) as AuditWhat;
  if (row.source_address !== null) entry.sourceAddress = row.source_address;
  if (row.request_id !== null) entry.requestId = row.request_id;
  return entry;
}
