import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';
import { validateFhirResource } from '../fhir/validate.ts';
import type { SourcesRepository } from '../sources/sources-repository.ts';
import { auditWhat, type Caller, type PersonDoor } from './person-door.ts';
import { checkId, checkType, notFound } from './read-service.ts';
import type { OpenVault } from './vault-cache.ts';

/** The source of everything a person enters by hand (sources-repository.ts, kind `manual`). */
export const MANUAL_SOURCE_LABEL = 'entered by hand';
export const READ_ONLY_MESSAGE = 'imported records are read-only: only records entered by hand can be changed or deleted';

/** `W/"3"` or `"3"` (R4 http.html#concurrency) → 3; anything else is a version that cannot match. */
export function versionOfETag(etag: string): number | undefined {
  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(etag.trim());
  return match ? Number(match[1]) : undefined;
}

function checkIfMatch(ifMatch: string | undefined, currentVersion: number): void {
  if (ifMatch === undefined) return;
  if (versionOfETag(ifMatch) !== currentVersion) {
    throw new HearthError('precondition-failed', `If-Match ${ifMatch.slice(0, 20)} does not match the current version ${currentVersion}`);
  }
}

/** The request body as a resource of `type`, structurally valid (fhir/validate.ts: FHIRPath locations on failure). */
function checkBody(body: unknown, type: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HearthError('invalid', 'the body must be a FHIR resource (a JSON object)');
  const resource = body as Record<string, unknown>;
  if (resource['resourceType'] !== type) {
    throw new HearthError('invalid', `the body's resourceType must be ${type}`, [{ expression: 'resourceType', message: `expected ${type}` }]);
  }
  return resource;
}

/**
 * Creates, updates and deletes records a person entered by hand. Imported records are what a
 * provider or a file said: changing them here would make the vault disagree with its source, so
 * they are read-only (409). Every write goes through the record store (history, provenance, index).
 */
export function writeService(door: PersonDoor, sources: SourcesRepository, usernameOf: (accountId: string) => string | undefined = () => undefined) {
  const manualSource = (personId: string) => sources.findOrCreate(personId, 'manual', MANUAL_SOURCE_LABEL);
  /**
   * Who entered a version: its provenance `origin` (shown in the record's "Source and versions"),
   * "entered by <username>", or the account id should the account have no name.
   */
  const enteredBy = (caller: Caller) => `entered by ${usernameOf(caller.accountId) ?? `account ${caller.accountId}`}`;

  /** The current record's version, if it is this person's hand-entered record; otherwise why not. */
  function requireManual(open: OpenVault, personId: string, type: string, id: string): number {
    checkType(type);
    checkId(id);
    const current = open.store.current(type, id);
    if (!current) {
      if (open.store.latest(type, id)?.deleted) throw new HearthError('gone', `${type}/${id} was deleted`);
      throw notFound();
    }
    const source = current.sourceId === null ? undefined : sources.get(current.sourceId);
    if (source?.kind !== 'manual' || source.personId !== personId) throw new HearthError('conflict', READ_ONLY_MESSAGE);
    return current.versionId;
  }

  return {
    /** R4 http.html#create: the server assigns the id; meta.versionId / lastUpdated are the store's. */
    create: (caller: Caller, personId: string, type: string, body: unknown): Resource =>
      door.enter(caller, personId, 'write', { action: 'write', what: auditWhat(type, [], 'create') }, (open) => {
        checkType(type);
        const resource = { ...checkBody(body, type), id: randomUUID() };
        validateFhirResource(resource);
        const result = open.store.writeIsolated(resource as unknown as Resource, { sourceId: manualSource(personId).id, origin: enteredBy(caller), vaultIds: true });
        return open.store.read(type, result.id)!;
      }),

    /** R4 http.html#update of an existing hand-entered record; the body's id must be the URL's. */
    update: (caller: Caller, personId: string, type: string, id: string, body: unknown, ifMatch: string | undefined): Resource =>
      door.enter(caller, personId, 'write', { action: 'write', what: auditWhat(type, [id], 'update') }, (open) => {
        const currentVersion = requireManual(open, personId, type, id);
        checkIfMatch(ifMatch, currentVersion);
        const resource = checkBody(body, type);
        if (resource['id'] !== id) throw new HearthError('invalid', `the body's id must be ${id}`, [{ expression: `${type}.id`, message: 'must match the URL' }]);
        validateFhirResource(resource);
        open.store.writeIsolated(resource as unknown as Resource, { sourceId: manualSource(personId).id, origin: enteredBy(caller), vaultIds: true });
        return open.store.read(type, id)!;
      }),

    /** R4 http.html#delete: a new version marked deleted; read then answers 410. Returns its version. */
    remove: (caller: Caller, personId: string, type: string, id: string, ifMatch: string | undefined): number =>
      door.enter(caller, personId, 'write', { action: 'write', what: auditWhat(type, [id], 'delete') }, (open) => {
        checkType(type);
        checkId(id);
        // Deleting what is already deleted succeeds and changes nothing (http.html#delete).
        const latest = open.store.latest(type, id);
        if (latest?.deleted && ifMatch === undefined) return latest.versionId;
        const currentVersion = requireManual(open, personId, type, id);
        checkIfMatch(ifMatch, currentVersion);
        const versionId = open.store.remove(type, id, { sourceId: manualSource(personId).id, origin: enteredBy(caller) });
        if (versionId === undefined) throw notFound();
        return versionId;
      }),
  };
}

export type WriteService = ReturnType<typeof writeService>;
