import { statSync } from 'node:fs';
import type { Resource } from '@medplum/fhirtypes';
import { asHearthError, HearthError } from '../errors/hearth-error.ts';
import { validateFhirResource } from '../fhir/validate.ts';
import { recordStore, type RecordStore, type WriteOutcome } from '../records/record-store.ts';
import type { Vault } from '../vault/vault.ts';
import { importCheckpoints } from './import-checkpoints.ts';
import { describeLocation, importReportBuilder, type ImportReport, type ImportReportBuilder } from './import-report.ts';
import { belongsToPatient } from './patient-compartment.ts';
import { bufferFingerprint, fileFingerprint, readImportBuffer, readImportPath, type ImportItem, type ItemLocation } from './readers/index.ts';

export interface ImportProgress {
  file: string;
  filesDone: number;
  filesTotal: number;
  items: number;
  bytesDone: number;
  bytesTotal: number;
  elapsedSeconds: number;
}

/** Something to import: a file, or generated records (`hearth demo`). */
export interface ImportInput {
  name: string;
  /** Identifies the content, for checkpoints: a re-run resumes the same content only. */
  fingerprint: () => Promise<string>;
  size: number;
  items: () => AsyncIterable<ImportItem>;
}

export function fileInput(file: string): ImportInput {
  return { name: file, fingerprint: () => fileFingerprint(file), size: statSync(file).size, items: () => readImportPath(file) };
}

/** One file held in memory (an upload): the same readers and guards, the content's SHA-256 as identity. */
export function bufferInput(name: string, buffer: Buffer): ImportInput {
  return { name, fingerprint: async () => bufferFingerprint(buffer), size: buffer.length, items: () => readImportBuffer(name, buffer) };
}

export interface VaultImportOptions {
  sourceId: string;
  sourceBase?: string;
  /** What to read, in order (folders already expanded). */
  inputs: ImportInput[];
  /** Reject a file with any bad entry instead of importing the rest of it. */
  strict?: boolean;
  /** Only this patient's records (by the input's Patient id) and the shared ones. */
  patientId?: string;
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * Asks the import to stop (a server shutting down): it stops after the batch being written has
   * committed, leaves the import resumable, and throws HearthError('conflict', STOPPED_MESSAGE).
   */
  signal?: AbortSignal;
}

export const STOPPED_MESSAGE = 'the import was stopped (the server is shutting down) after its last saved batch; import the same file again to resume';

/**
 * Lets other work on the event loop run (an HTTP server answering progress polls). The readers over
 * an in-memory upload produce items from microtasks alone, which would otherwise never yield.
 */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Unvalidated input may break the compartment check; then validation gets to report it. */
function belongsToPatientSafely(resource: Record<string, unknown>, patientId: string): boolean {
  try {
    return belongsToPatient(resource as unknown as Resource, patientId);
  } catch {
    return true;
  }
}

type Prepared = { kind: 'write'; resource: Resource; location: ItemLocation } | { kind: 'skip' } | { kind: 'problem' };


/**
 * Imports files into one vault in batches. Each batch is one transaction that also records how far
 * into the file it got, so `kill -9` loses no committed batch and a re-run resumes after it; writes
 * are idempotent (same content from the same source changes nothing), so nothing is duplicated.
 * A bad entry is reported with its place and the rest goes on; with `strict` the whole file is
 * checked first and rejected on any problem.
 */
export async function importIntoVault(vault: Vault, options: VaultImportOptions): Promise<ImportReport> {
  // Each batch's commit rewrites the index pages it touched into the WAL, and with SQLite's default
  // of checkpointing past 1,000 pages (https://www.sqlite.org/pragma.html#pragma_wal_autocheckpoint)
  // every commit was then copied into the database file, each page decrypted from the WAL and
  // encrypted again. Checkpointing every ~64 MiB instead copies a page rewritten by several batches
  // once: 20 % less commit CPU on a 100,000-record import (docs/performance.md). Durability is the
  // WAL's either way (synchronous = FULL); this connection's setting is restored afterwards.
  const previous = vault.db.pragma('wal_autocheckpoint', { simple: true }) as number;
  vault.db.pragma(`wal_autocheckpoint = ${IMPORT_WAL_AUTOCHECKPOINT_PAGES}`);
  try {
    return await importBatches(vault, options);
  } finally {
    vault.db.pragma(`wal_autocheckpoint = ${previous}`);
  }
}

/** 16,384 pages of 4 KiB: the WAL grows to about 64 MiB (plus one batch) during an import. */
const IMPORT_WAL_AUTOCHECKPOINT_PAGES = 16_384;

async function importBatches(vault: Vault, options: VaultImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const store = recordStore(vault.db);
  const checkpoints = importCheckpoints(vault.db);
  const report = importReportBuilder(vault.personId);
  const { importId, resumed } = checkpoints.begin(options.sourceId);
  // Larger batches amortise each commit (it rewrites every index page the batch touched); 2500
  // records keep a batch to a few MB of memory and a crash to seconds of lost work.
  const batchSize = options.batchSize ?? 2500;
  const bytesTotal = options.inputs.reduce((sum, input) => sum + input.size, 0);
  const filesTotal = options.inputs.length;
  let bytesBefore = 0;
  let items = 0;

  const prepare = (item: ImportItem): Prepared => {
    if (item.kind === 'error') {
      if (item.severity === 'warning') report.warned(item.location, item.reason);
      else report.failed(item.location, item.reason, undefined, item.expression);
      return { kind: 'problem' };
    }
    const type = typeof item.resource.resourceType === 'string' ? item.resource.resourceType : undefined;
    // Another patient's record is skipped before validation, the costly step, when splitting.
    if (options.patientId !== undefined && !belongsToPatientSafely(item.resource, options.patientId)) return { kind: 'skip' };
    try {
      const resource = validateFhirResource(item.resource);
      return { kind: 'write', resource, location: item.location };
    } catch (error) {
      const failure = asHearthError(error);
      report.failed(item.location, failure.message, type, failure.issues[0]?.expression);
      return { kind: 'problem' };
    }
  };

  for (const [fileIndex, input] of options.inputs.entries()) {
    stopIfAsked(options.signal);
    const file = input.name;
    const fileBytes = input.size;
    const fingerprint = await input.fingerprint();
    const done = checkpoints.fileProgress(importId, fingerprint);
    if (!done.finished && (!options.strict || (await passesStrictCheck(input, report)))) {
      let index = 0;
      let approxBytes = 0;
      let batch: Prepared[] = [];
      const context = { sourceId: options.sourceId, importId, ...(options.sourceBase ? { sourceBase: options.sourceBase } : {}) };
      const flush = (finished: boolean) => {
        const written = writeBatch(store, batch, context, () => checkpoints.saveFileProgress(importId, fingerprint, file, index, finished));
        for (const result of written) {
          if (result.outcome) report.counted(result.type, result.outcome);
          else report.failed(result.location, result.error ?? 'not stored', result.type);
        }
      };
      for await (const item of input.items()) {
        index++;
        if (index <= done.itemsDone) continue;
        batch.push(prepare(item));
        // The reader's line length where it has one: stringifying every record again cost ~5 µs each.
        if (options.onProgress && item.kind === 'resource') approxBytes += item.size ?? JSON.stringify(item.resource).length;
        if (batch.length >= batchSize) {
          flush(false);
          items += batch.length;
          batch = [];
          await yieldToEventLoop();
          stopIfAsked(options.signal);
          options.onProgress?.({
            file,
            filesDone: fileIndex,
            filesTotal,
            items,
            bytesDone: bytesBefore + Math.min(approxBytes, fileBytes),
            bytesTotal,
            elapsedSeconds: (performance.now() - started) / 1000,
          });
        }
      }
      flush(true);
      items += batch.length;
    }
    bytesBefore += fileBytes;
    options.onProgress?.({ file, filesDone: fileIndex + 1, filesTotal, items, bytesDone: bytesBefore, bytesTotal, elapsedSeconds: (performance.now() - started) / 1000 });
  }
  const unresolvedReferences = store.transaction(() => store.resolvePendingReferences());
  const result = report.build({ importId, resumed, files: filesTotal, unresolvedReferences, seconds: (performance.now() - started) / 1000 });
  checkpoints.finish(importId, 'done', { byType: result.byType, errorCount: result.errorCount });
  return result;
}

/** Between batches only: what is committed stays, the `running` import row makes a re-run resume. */
function stopIfAsked(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HearthError('conflict', STOPPED_MESSAGE);
}

type Written = { location: ItemLocation; type: string; outcome?: WriteOutcome; error?: string };

/**
 * Writes a batch in the caller's transaction on the fast path (no savepoint per record). If SQLite
 * fails mid-batch, the batch is rolled back and written again record by record, each in its own
 * savepoint, so one bad record cannot take the others down. Counts are applied to the report only
 * for what committed.
 */
function writeBatch(store: RecordStore, batch: Prepared[], context: { sourceId: string; importId: string; sourceBase?: string }, saveCheckpoint: () => void): Written[] {
  const writes = batch.filter((prepared) => prepared.kind === 'write');
  const attempt = (isolated: boolean): Written[] =>
    store.transaction(() => {
      const results = writes.map(({ resource, location }): Written => {
        const writeContext = { ...context, origin: describeLocation(location) };
        if (!isolated) return { location, type: resource.resourceType, outcome: store.write(resource, writeContext).outcome };
        try {
          return { location, type: resource.resourceType, outcome: store.writeIsolated(resource, writeContext).outcome };
        } catch (error) {
          const failure = asHearthError(error);
          return { location, type: resource.resourceType, error: failure.code === 'internal' ? 'could not store this record (internal error)' : failure.message };
        }
      });
      saveCheckpoint();
      return results;
    });
  try {
    return attempt(false);
  } catch {
    return attempt(true);
  }
}

/** `--strict`: reads the whole file once, validating; any problem rejects the file before a write. */
async function passesStrictCheck(input: ImportInput, report: ImportReportBuilder): Promise<boolean> {
  let problems = 0;
  for await (const item of input.items()) {
    if (item.kind === 'error') {
      if (item.severity === 'warning') continue;
      report.failed(item.location, item.reason, undefined, item.expression);
      problems++;
      continue;
    }
    try {
      validateFhirResource(item.resource);
    } catch (error) {
      const failure = asHearthError(error);
      report.failed(item.location, failure.message, String(item.resource.resourceType ?? ''), failure.issues[0]?.expression);
      problems++;
    }
  }
  if (problems > 0) report.rejectedFile(input.name);
  return problems === 0;
}
