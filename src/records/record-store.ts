import { createHash } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';
import { extractIndexRows } from '../fhir/search-index/index.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { indexWriter } from './index-writer.ts';
import { recordRepository, type VersionRow } from './record-repository.ts';
import { forEachReference, parseConditionalReference, parseLocalReference } from './references.ts';

/** Who delivered a write: kept with every version as its provenance. */
export interface WriteContext {
  sourceId: string;
  importId?: string | null;
  /** Where in the input it came from, e.g. `Observation.ndjson:12`. */
  origin?: string | null;
  /** The source's FHIR base URL: absolute references under it are stored as `Type/id`. */
  sourceBase?: string;
  /**
   * The record and its references already use this vault's ids (a record entered through the FHIR
   * API, which reads and refers to vault ids): nothing is mapped or rewritten.
   */
  vaultIds?: boolean;
}

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

export interface WriteResult {
  outcome: WriteOutcome;
  type: string;
  id: string;
  versionId: number;
}

export interface HistoryEntry extends Omit<VersionRow, 'json'> {
  resource: Resource | undefined;
}

const ID_CACHE_LIMIT = 50_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Writes and reads FHIR records in one vault. Every write keeps the earlier versions, stamps
 * `meta.versionId` / `meta.lastUpdated` itself (never taken from input), records provenance,
 * maps the source's ids onto vault ids and refreshes the search index. A write whose content equals
 * the current version is `unchanged` (re-importing a file changes nothing).
 * Callers validate resources first (fhir/validate.ts) and wrap batches in `transaction`.
 */
export function recordStore(db: SqliteDatabase) {
  const repository = recordRepository(db);
  const index = indexWriter(db);
  const idCache = new Map<string, string>();

  /**
   * The vault id for a source's (type, id): the source's own id unless another source already
   * holds it, then a stable id derived from the source. Claimed at first mention (resource or
   * reference), so forward references and later writes agree. `fresh` says this call created the
   * mapping: source_ids holds one row per stored (type, id) (UNIQUE source_ids_by_id, written before
   * any record row, removed only with the record's rows), so a fresh id has no current row and no
   * versions and the write can skip looking for them.
   */
  function claimId(sourceId: string, type: string, sourceResourceId: string): { id: string; fresh: boolean } {
    const key = `${sourceId}|${type}|${sourceResourceId}`;
    const cached = idCache.get(key);
    if (cached !== undefined) return { id: cached, fresh: false };
    const found = repository.mappedOrTaken(sourceId, type, sourceResourceId);
    let id: string;
    let fresh = false;
    if ('mapped' in found) id = found.mapped;
    else {
      id = found.taken ? sha256(key).slice(0, 32) : sourceResourceId;
      repository.map(sourceId, type, sourceResourceId, id);
      fresh = true;
    }
    if (idCache.size >= ID_CACHE_LIMIT) idCache.clear();
    idCache.set(key, id);
    return { id, fresh };
  }

  const vaultId = (sourceId: string, type: string, sourceResourceId: string): string => claimId(sourceId, type, sourceResourceId).id;

  /**
   * A conditional reference `Type?identifier=system|value` (R4 §3.1.0.8.3) resolves to the one
   * record holding that identifier. The stored JSON keeps the reference as the source sent it; the
   * index carries the resolved target so search, _include and _revinclude follow it.
   */
  function resolveConditional(reference: string): { targetType: string; targetId: string } | undefined {
    const conditional = parseConditionalReference(reference);
    if (!conditional) return undefined;
    const ids = repository.idsByIdentifier(conditional.type, conditional.system, conditional.value);
    return ids.length === 1 ? { targetType: conditional.type, targetId: ids[0]! } : undefined;
  }

  /** A vault id given by the caller, claimed for the source so no later import can take it. */
  function ownId(sourceId: string, type: string, id: string): { id: string; fresh: boolean } {
    if (repository.mappedId(sourceId, type, id) !== undefined) return { id, fresh: false };
    if (repository.idTaken(type, id)) throw new HearthError('conflict', `${type}/${id} belongs to another source`);
    repository.map(sourceId, type, id, id);
    return { id, fresh: true };
  }

  function write(resource: Resource, context: WriteContext): WriteResult {
    const type = resource.resourceType;
    const { sourceId, sourceBase } = context;
    const { versionId: _v, lastUpdated: _l, ...meta } = resource.meta ?? {};
    const sourceResourceId = resource.id ?? sha256(JSON.stringify(resource)).slice(0, 32);
    const { id, fresh } = context.vaultIds ? ownId(sourceId, type, sourceResourceId) : claimId(sourceId, type, sourceResourceId);
    const record = { ...resource, id } as Resource;
    if (Object.keys(meta).length > 0) record.meta = meta;
    else delete record.meta;
    if (!context.vaultIds) forEachReference(record, (reference) => {
      const local = parseLocalReference(reference.reference, sourceBase);
      if (local) reference.reference = `${local.type}/${vaultId(sourceId, local.type, local.id)}${local.history}`;
    });
    const hashed = JSON.stringify(record);
    const contentHash = sha256(hashed);
    const current = fresh ? undefined : repository.current(type, id);
    if (current && current.contentHash === contentHash) {
      return { outcome: 'unchanged', type, id, versionId: current.versionId };
    }
    // After a deletion the record has versions but no current row: the next version follows them.
    const versionId = fresh ? 1 : (current?.versionId ?? repository.latestVersion(type, id)?.versionId ?? 0) + 1;
    const lastUpdated = new Date().toISOString();
    const hadMeta = record.meta !== undefined;
    record.meta = { ...meta, versionId: String(versionId), lastUpdated };
    // Without meta of its own, the stored JSON is the hashed JSON with meta appended last, exactly
    // what JSON.stringify(record) gives (a new key goes last): spliced, not serialised twice.
    const json = hadMeta ? JSON.stringify(record) : `${hashed.slice(0, -1)},"meta":${JSON.stringify(record.meta)}}`;
    // Everything that can fail in JavaScript happens before the first SQL write, so a failing
    // record leaves nothing half-written and a batch need not pay for a savepoint per record.
    const rows = extractIndexRows(record, sourceBase ? { sourceBase } : {});
    for (const row of rows.references) {
      if (row.targetId === null && !row.contained) {
        const target = resolveConditional(row.reference);
        if (target) Object.assign(row, target);
      }
    }
    const version = {
      type,
      id,
      versionId,
      lastUpdated,
      contentHash,
      sourceId,
      importId: context.importId ?? null,
      origin: context.origin ?? null,
      json,
    };
    let rid: number;
    if (current) {
      rid = current.rid;
      repository.update(rid, version);
      index.remove(rid);
    } else {
      rid = repository.insert(version);
    }
    index.insert(rid, type, rows);
    return { outcome: current ? 'updated' : 'created', type, id, versionId };
  }

  // Every transaction here starts IMMEDIATE: a batch reads current versions before it writes, and a
  // deferred one overtaken by another process's commit (a backup's audit entry, a CLI import) in
  // between fails at once with SQLITE_BUSY_SNAPSHOT instead of waiting (https://www.sqlite.org/wal.html).
  const isolatedWrite = db.transaction(write).immediate;

  return {
    /**
     * Writes one record inside the caller's transaction. Invalid content fails before any SQL
     * runs; if SQLite itself fails (disk full, constraint), the caller must roll back the batch.
     */
    write,
    /** One write in its own savepoint: it lands whole or not at all, whatever fails. Slower. */
    writeIsolated(resource: Resource, context: WriteContext): WriteResult {
      try {
        return isolatedWrite(resource, context);
      } catch (error) {
        idCache.clear();
        throw error;
      }
    },
    /** Runs `work` in one SQLite transaction; on failure nothing of it stays, caches included. */
    transaction<T>(work: () => T): T {
      try {
        return db.transaction(work).immediate();
      } catch (error) {
        idCache.clear();
        throw error;
      }
    },
    /**
     * Deletes a record (R4 http.html#delete): a new version marked deleted keeps the history, the
     * current row and its index rows go. Returns the deleted version's id, undefined when there is
     * no current record. Runs in its own savepoint.
     */
    remove(type: string, id: string, context: WriteContext): number | undefined {
      return db.transaction((): number | undefined => {
        const current = repository.current(type, id);
        if (!current) return undefined;
        const versionId = current.versionId + 1;
        index.remove(current.rid);
        repository.markDeleted(current.rid, { type, id, versionId, lastUpdated: new Date().toISOString(), sourceId: context.sourceId, origin: context.origin ?? null });
        return versionId;
      }).immediate();
    },
    /** The newest version's number, whether it is deleted, and its source; undefined for a record never written. */
    latest: (type: string, id: string) => repository.latestVersion(type, id),
    /** The current version's row id, version and source; undefined when absent or deleted. */
    current: (type: string, id: string) => repository.current(type, id),
    read(type: string, id: string): Resource | undefined {
      const json = repository.currentJson(type, id);
      return json === undefined ? undefined : (JSON.parse(json) as Resource);
    },
    vread(type: string, id: string, versionId: number): Resource {
      const json = repository.versionJson(type, id, versionId);
      if (json === undefined) throw new HearthError('not-found', `${type}/${id} has no version ${versionId}`);
      // A deletion's version has no content (http.html#vread: 410 Gone).
      if (json === null) throw new HearthError('gone', `${type}/${id} version ${versionId} is a deletion`);
      return JSON.parse(json) as Resource;
    },
    history(type: string, id: string): HistoryEntry[] {
      return repository.versions(type, id).map(({ json, ...row }) => ({ ...row, resource: json ? (JSON.parse(json) as Resource) : undefined }));
    },
    counts: () => repository.counts(),
    /**
     * Resolves conditional references whose target arrived later in the same import (e.g. a bulk
     * export's Procedure file read before its Practitioner file). Returns how many stay unresolved.
     */
    resolvePendingReferences(): number {
      let unresolved = 0;
      for (const { rowid, reference } of repository.unresolvedReferences()) {
        const target = resolveConditional(reference);
        if (target) repository.setReferenceTarget(rowid, target.targetType, target.targetId);
        else unresolved++;
      }
      return unresolved;
    },
  };
}

export type RecordStore = ReturnType<typeof recordStore>;
