import { createHash } from 'node:crypto';

/**
 * Fixes applied to the parsed C-CDA *before* @medplum/ccda converts it, for the two converter faults
 * that cannot be undone afterwards because the converter throws the information away. The rest of
 * the fixes run on its output (ccda-fixups.ts).
 */

type Json = Record<string, unknown>;

export interface PreparedCcda {
  /** The CDA element behind each resource id the converter will use, to look up what it dropped. */
  elements: Map<string, Json>;
  /** Patient.birthDate at the precision the document gave (the converter pads it to a full date). */
  birthDate?: string;
}

// Elements whose `id` the converter turns into a resource id (mapId in ccda-to-fhir.ts).
const STATEMENTS = new Set(['act', 'substanceAdministration', 'organizer', 'observation', 'encounter', 'procedure']);
const PARTIES = new Set(['patientRole', 'associatedEntity', 'assignedAuthor', 'assignedEntity', 'representedCustodianOrganization']);
// CDA TS / IVL_TS elements and their interval parts.
const TIME_ELEMENTS = new Set(['effectiveTime', 'time', 'birthTime']);
const TIME_PARTS = ['low', 'high', 'center'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// CDA TS: YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+|-ZZZZ] (CDA R2 data types, TS).
const CDA_TIMESTAMP = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$/;

/** Marker the converter carries through untouched; ccda-fixups.ts turns it back into a FHIR date. */
export const PRECISION_MARKER = /^(\d{4})-(\d{2})-(\d{2})T00:00:00~([YMD])$/;

export function prepareCcda(ccda: Json, documentKey: string): PreparedCcda {
  const prepared: PreparedCcda = { elements: new Map() };
  const birthTime = findBirthTime(ccda);
  if (birthTime !== undefined) {
    const birthDate = toFhirDate(birthTime);
    if (birthDate !== undefined) prepared.birthDate = birthDate;
  }
  const state = { counter: 0, used: new Set<string>(), documentKey };
  walk(ccda, 'ClinicalDocument', prepared, state);
  return prepared;
}

interface WalkState {
  counter: number;
  used: Set<string>;
  documentKey: string;
}

function walk(node: unknown, key: string, prepared: PreparedCcda, state: WalkState): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, key, prepared, state);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const element = node as Json;
  if (key === 'ClinicalDocument' || STATEMENTS.has(key) || PARTIES.has(key)) giveStableId(element, key, prepared, state);
  // Fix: the converter reads `templateId[0]` of sections and statements unguarded, so one section or
  // entry without a templateId (optional outside C-CDA templates) throws and loses the whole document.
  // An empty one makes it fall through to "unsupported", which is skipped.
  if ((key === 'section' || STATEMENTS.has(key)) && !Array.isArray(element['templateId'])) element['templateId'] = [{}];
  if (TIME_ELEMENTS.has(key)) {
    encodeTime(element);
    for (const part of TIME_PARTS) {
      const value = element[part];
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item === 'object' && item !== null) encodeTime(item as Json);
      }
    }
  }
  for (const child of Object.keys(element)) {
    // Attributes, text, and narrative blocks hold no clinical statements.
    if (child.startsWith('@_') || child === '#text' || child === 'text' || child === 'originalText') continue;
    walk(element[child], child, prepared, state);
  }
}

/**
 * Fix: the converter gives every resource without a UUID `<id root>` a random id (generateId), so
 * importing the same document twice duplicates every record. We add a deterministic UUID id, which
 * the converter then uses: derived from the element's own instance identifier (root + extension,
 * globally unique by CDA design, so a newer document from the same source updates the same records),
 * else from the document's hash and the element's position.
 */
function giveStableId(element: Json, kind: string, prepared: PreparedCcda, state: WalkState): void {
  const ids = Array.isArray(element['id']) ? (element['id'] as Json[]) : element['id'] ? [element['id'] as Json] : [];
  const own = ids.find((id) => typeof id?.['@_root'] === 'string' && !id['@_extension'] && UUID.test(id['@_root']));
  if (own) {
    prepared.elements.set(own['@_root'] as string, element);
    return;
  }
  // Root-only OIDs are often an assigning authority without a value; only root + extension is trusted.
  const identifier = ids.find((id) => typeof id?.['@_root'] === 'string' && typeof id['@_extension'] === 'string' && !id['@_nullFlavor']);
  let seed = identifier ? `${kind}|${identifier['@_root'] as string}|${identifier['@_extension'] as string}` : undefined;
  // The same person or organisation recurs legitimately (and is merged later); a clinical statement
  // id seen twice in one document is a sender's mistake, so each occurrence stays its own record.
  if (seed === undefined || (STATEMENTS.has(kind) && state.used.has(seed))) seed = `${state.documentKey}|${kind}|${state.counter++}`;
  state.used.add(seed);
  const uuid = uuidFrom(seed);
  element['id'] = [...ids, { '@_root': uuid }];
  prepared.elements.set(uuid, element);
}

function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  // Shaped like a name-based UUID (version 5, RFC 9562 variant) so every UUID check accepts it.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Fix: the converter's timestamp mapping (mapCcdaToFhirDateTime) slices fixed positions, which
 *  - turns a date into midnight UTC (`20231002` → `2023-10-02T00:00:00Z`, the day before in the
 *    Americas) and a month into January (`201403` → `2014-01-01…`);
 *  - garbles minute precision with a zone (`202402270815-0600` → `2024-02-27T08:15:-0600`);
 *  - keeps the zone without its colon (`-0500`), which FHIR dateTime does not allow.
 * We rewrite each timestamp into the one shape it slices correctly: full seconds plus zone, or, for
 * a date, year or month, a padded date plus a precision marker that ccda-fixups.ts turns back into
 * `2023-10-02`, `2014-03` or `2014`. A time without a zone is kept at date precision: FHIR requires a
 * zone with a time, and guessing one would shift the record by hours.
 */
function encodeTime(element: Json): void {
  const value = element['@_value'];
  if (typeof value !== 'string') return;
  const match = CDA_TIMESTAMP.exec(value.trim());
  if (!match) return;
  const [, year, month, day, hour, minute, second, zone] = match;
  if (hour !== undefined && zone !== undefined) {
    element['@_value'] = `${year}${month}${day}${hour}${minute ?? '00'}${second ?? '00'}${zone}`;
  } else if (day !== undefined) {
    element['@_value'] = `${year}${month}${day}000000~D`;
  } else if (month !== undefined) {
    element['@_value'] = `${year}${month}01000000~M`;
  } else {
    element['@_value'] = `${year}0101000000~Y`;
  }
}

function findBirthTime(ccda: Json): string | undefined {
  const recordTarget = ccda['recordTarget'];
  const first = (Array.isArray(recordTarget) ? recordTarget[0] : recordTarget) as Json | undefined;
  const patient = (first?.['patientRole'] as Json | undefined)?.['patient'] as Json | undefined;
  const value = (patient?.['birthTime'] as Json | undefined)?.['@_value'];
  return typeof value === 'string' ? value : undefined;
}

function toFhirDate(value: string): string | undefined {
  const match = CDA_TIMESTAMP.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day] = match;
  return [year, month, day].filter((part) => part !== undefined).join('-');
}
