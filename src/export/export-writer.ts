import { toAuditEvent } from '../audit/index.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { HEARTH_VERSION } from '../version.ts';
import { exportRepository, type ExportRepository } from './export-repository.ts';
import type { HashingZip, ZipFileRecord } from './hashing-zip.ts';

/** Where an attachment's decoded bytes went, and which element of which record held them. */
export interface AttachmentRecord {
  file: string;
  resource: string;
  /** FHIRPath of the element within the record, e.g. `content[0].attachment.data`. */
  element: string;
  contentType?: string;
}

export interface ExportManifest {
  format: 'hearth-export';
  formatVersion: 1;
  hearthVersion: string;
  /** UTC, ISO 8601. */
  exportedAt: string;
  person: { id: string; name: string; patient?: string };
  allVersions: boolean;
  /** Current records per resource type (`ndjson/<Type>.ndjson`, and the Bundle). */
  counts: Record<string, number>;
  total: number;
  /** Earlier versions per type (`versions/<Type>.ndjson`), when all versions were asked for. */
  versionCounts?: Record<string, number>;
  auditEvents: number;
  attachments: AttachmentRecord[];
  /** Every file in the zip but this manifest: bytes as stored before compression. */
  files: ZipFileRecord[];
}

export interface ExportContent {
  person: { id: string; name: string };
  allVersions: boolean;
  now: Date;
}

/** One NDJSON chunk per page: a few hundred records a chunk, never the whole type. */
function* ndjsonPages(pages: Iterable<{ json: string }[]>): Generator<string> {
  for (const rows of pages) yield rows.map((row) => `${row.json}\n`).join('');
}

/**
 * A `collection` Bundle (R4 bundle.html) of every current record, streamed: the vault's JSON is
 * spliced in as stored, never parsed into one big object.
 */
function* bundleChunks(repository: ExportRepository, types: string[], now: Date): Generator<string> {
  yield `{"resourceType":"Bundle","type":"collection","timestamp":${JSON.stringify(now.toISOString())}`;
  // No empty `entry` array for an empty vault (R4 json.html: arrays are never empty).
  let first = true;
  for (const type of types) {
    for (const rows of repository.records(type)) {
      const parts = rows.map((row) => `{"resource":${row.json}}`);
      yield `${first ? ',"entry":[\n' : ',\n'}${parts.join(',\n')}`;
      first = false;
    }
  }
  yield first ? '}\n' : '\n]}\n';
}

const EXTENSIONS: Record<string, string> = {
  'text/plain': 'txt',
  'text/html': 'html',
  'text/xml': 'xml',
  'application/xml': 'xml',
  'application/json': 'json',
  'application/fhir+json': 'json',
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/tiff': 'tif',
  'application/dicom': 'dcm',
};
const extensionOf = (contentType: unknown) =>
  (typeof contentType === 'string' && EXTENSIONS[contentType.split(';', 1)[0]!.trim().toLowerCase()]) || 'bin';

interface Found {
  element: string;
  data: string;
  contentType?: string;
}

/** Inline data of a record: Binary.data, DocumentReference.content[].attachment, Media.content. */
function inlineData(record: Record<string, any>): Found[] {
  const found: Found[] = [];
  const push = (element: string, data: unknown, contentType: unknown) => {
    if (typeof data === 'string' && data.length > 0) found.push({ element, data, ...(typeof contentType === 'string' ? { contentType } : {}) });
  };
  if (record.resourceType === 'Binary') push('data', record.data, record.contentType);
  if (record.resourceType === 'DocumentReference' && Array.isArray(record.content)) {
    record.content.forEach((content: any, index: number) => push(`content[${index}].attachment.data`, content?.attachment?.data, content?.attachment?.contentType));
  }
  if (record.resourceType === 'Media') push('content.data', record.content?.data, record.content?.contentType);
  return found;
}

const ATTACHMENT_TYPES = ['Binary', 'DocumentReference', 'Media'];

/**
 * Writes a person's full export into `zip`: NDJSON per type, the Bundle, earlier versions when
 * asked, attachments decoded to files, the audit trail as AuditEvents and, last, the manifest
 * with the SHA-256 of every file. Reads a page at a time; the caller holds a read transaction on
 * `db` so every file shows the same moment.
 */
export async function writeExport(db: SqliteDatabase, zip: HashingZip, content: ExportContent): Promise<ExportManifest> {
  const repository = exportRepository(db);
  const typeCounts = repository.counts();
  const types = typeCounts.map(({ type }) => type);
  const counts = Object.fromEntries(typeCounts.map(({ type, count }) => [type, count]));

  for (const type of types) await zip.add(`ndjson/${type}.ndjson`, ndjsonPages(repository.records(type)));
  await zip.add('bundle.json', bundleChunks(repository, types, content.now));

  let versionCounts: Record<string, number> | undefined;
  if (content.allVersions) {
    versionCounts = {};
    for (const type of repository.versionTypes()) {
      const tally = versionCounts;
      await zip.add(`versions/${type}.ndjson`, ndjsonPages(countingPages(repository.versions(type), (n) => (tally[type] = (tally[type] ?? 0) + n))));
    }
  }

  const attachments: AttachmentRecord[] = [];
  for (const type of ATTACHMENT_TYPES.filter((t) => counts[t])) {
    for (const rows of repository.records(type)) {
      for (const row of rows) {
        const found = inlineData(JSON.parse(row.json) as Record<string, any>);
        for (const [index, item] of found.entries()) {
          const file = `attachments/${type}/${row.id}${found.length > 1 ? `-${index}` : ''}.${extensionOf(item.contentType)}`;
          await zip.add(file, [Buffer.from(item.data, 'base64')]);
          attachments.push({ file, resource: `${type}/${row.id}`, element: item.element, ...(item.contentType ? { contentType: item.contentType } : {}) });
        }
      }
    }
  }

  // The trail refers to the person's Patient record when the vault holds exactly one.
  const patientPage = counts.Patient === 1 ? repository.records('Patient').next().value : undefined;
  const patient = patientPage?.[0] ? `Patient/${patientPage[0].id}` : undefined;
  let auditEvents = 0;
  function* auditChunks(): Generator<string> {
    for (const entries of repository.auditEntries()) {
      auditEvents += entries.length;
      yield entries.map((entry) => `${JSON.stringify(toAuditEvent(entry, patient ? { personReference: patient } : {}))}\n`).join('');
    }
  }
  await zip.add('audit/AuditEvent.ndjson', auditChunks());

  const manifest: ExportManifest = {
    format: 'hearth-export',
    formatVersion: 1,
    hearthVersion: HEARTH_VERSION,
    exportedAt: content.now.toISOString(),
    person: { ...content.person, ...(patient ? { patient } : {}) },
    allVersions: content.allVersions,
    counts,
    total: typeCounts.reduce((sum, { count }) => sum + count, 0),
    ...(versionCounts ? { versionCounts } : {}),
    auditEvents,
    attachments,
    files: [...zip.files],
  };
  await zip.add('manifest.json', [`${JSON.stringify(manifest, null, 2)}\n`]);
  return manifest;
}

function* countingPages<T>(pages: Iterable<T[]>, count: (n: number) => void): Generator<T[]> {
  for (const page of pages) {
    count(page.length);
    yield page;
  }
}
