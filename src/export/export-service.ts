import type { Readable } from 'node:stream';
import type { AccessControl, Actor } from '../access/access.ts';
import { auditLog, type AuditLog } from '../audit/index.ts';
import type { Person } from '../people/people-repository.ts';
import type { PeopleService } from '../people/people-service.ts';
import { writeExport, type ExportManifest } from './export-writer.ts';
import { hashingZip } from './hashing-zip.ts';

export interface ExportDeps {
  access: AccessControl;
  people: PeopleService;
  /** The system trail, where a refused export is recorded (never in the vault of someone the caller may not see). */
  systemAudit: AuditLog;
  now?: () => Date;
}

export interface ExportRequest {
  actor: Actor;
  /** The audit trail's name for the actor: an account id, or cliActor(). */
  actorName: string;
  personId: string;
  allVersions: boolean;
  sourceAddress?: string;
  requestId?: string;
}

export interface RunningExport {
  person: Person;
  /** The zip's bytes; read it to the end (a file, an HTTP response). Destroying it stops the export. */
  stream: Readable;
  /** The manifest once the zip is complete; rejects when the export failed or its reader went away. */
  done: Promise<ExportManifest>;
}

function auditEntryOf(request: ExportRequest) {
  return {
    actor: request.actorName,
    personId: request.personId,
    action: 'export' as const,
    ...(request.sourceAddress ? { sourceAddress: request.sourceAddress } : {}),
    ...(request.requestId ? { requestId: request.requestId } : {}),
  };
}

/**
 * The one door for exports ('export': owners of the person only). A refusal goes into the system
 * trail and is the one not-found. The HTTP route asks it before the freshness check, so a caller
 * without the right learns nothing more by re-authenticating.
 */
export function requireExportAccess(deps: Pick<ExportDeps, 'access' | 'systemAudit'>, request: Pick<ExportRequest, 'actor' | 'actorName' | 'personId' | 'sourceAddress' | 'requestId'>): void {
  try {
    deps.access.requireAccess(request.actor, request.personId, 'export');
  } catch (error) {
    deps.systemAudit.append({ ...auditEntryOf({ ...request, allVersions: false }), outcome: 'denied' });
    throw error;
  }
}

/**
 * A person's full export (issue 6 §1), as a zip stream. Access is checked first (the one door,
 * 'export' — owners of the person only); the vault is read through its own connection inside one
 * read transaction, so the export is one consistent moment while the server goes on writing (WAL).
 * The outcome goes into the person's audit trail as 'export' once the zip is complete or has
 * failed: the export's own entry is therefore not inside it.
 */
export function startExport(deps: ExportDeps, request: ExportRequest): RunningExport {
  const entry = auditEntryOf(request);
  requireExportAccess(deps, request);
  const person = deps.people.require(request.personId);
  const vault = deps.people.openVault(person.id);
  const now = (deps.now ?? (() => new Date()))();
  const zip = hashingZip(now);
  let finishedWriting = false;
  // The reader went away (a closed browser tab): stop, so the vault is not held open waiting.
  zip.output.once('close', () => {
    if (!finishedWriting) zip.abort(new Error('the export was not read to the end'));
  });

  async function run(): Promise<ExportManifest> {
    const db = vault.db;
    db.exec('BEGIN');
    try {
      const manifest = await writeExport(db, zip, { person: { id: person.id, name: person.name }, allVersions: request.allVersions, now });
      db.exec('COMMIT');
      finishedWriting = true;
      zip.end();
      auditLog(db).append({ ...entry, outcome: 'success' });
      return manifest;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      zip.abort(error instanceof Error ? error : new Error(String(error)));
      auditLog(db).append({ ...entry, outcome: 'failure' });
      throw error;
    } finally {
      vault.close();
    }
  }

  const done = run();
  // The caller may only watch the stream; an unhandled rejection must not end the process.
  done.catch(() => {});
  return { person, stream: zip.output, done };
}

/** `hearth-export-<name>-<date>.zip`: the name reduced to letters, digits and dashes, the date in UTC. */
export function exportFileName(person: Pick<Person, 'name'>, now: Date): string {
  const slug = person.name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'person';
  return `hearth-export-${slug}-${now.toISOString().slice(0, 10)}.zip`;
}
