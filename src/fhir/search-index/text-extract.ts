import { tryGetDataType } from '@medplum/core';

/**
 * Text for the `_text` and `_content` parameters (FHIR R4 search.html#_text, #_content): `_text`
 * searches "the narrative of the resource", `_content` "the entire content of the resource". Hearth
 * feeds both strings to SQLite FTS.
 *
 * narrative = text.div without markup, plus the human-readable labels FHIR puts in data: every
 *             CodeableConcept.text, Coding.display, HumanName text/given/family, Annotation.text,
 *             Attachment.title and Observation.valueString (many feeds send no narrative at all).
 * content   = narrative plus every other string/markdown/code value; not ids, URIs, base64 data,
 *             dates or numbers, which FTS cannot usefully tokenise.
 * The walk is driven by the R4 schema, so a `text` key is only narrative where it is CodeableConcept.text.
 */

export const TEXT_LIMIT_BYTES = 64 * 1024;

const SKIP = 0, CONTENT = 1, NARRATIVE = 2, COMPLEX = 3, RESOURCE = 4, XHTML = 5;
type Role = typeof SKIP | typeof CONTENT | typeof NARRATIVE | typeof COMPLEX | typeof RESOURCE | typeof XHTML;

interface Child {
  type: string;
  role: Role;
}

const NARRATIVE_ELEMENTS = new Set([
  'CodeableConcept.text', 'Coding.display', 'HumanName.text', 'HumanName.given', 'HumanName.family',
  'Annotation.text', 'Attachment.title', 'Observation.valueString',
]);
/**
 * Not words: ids (resource and element), resource metadata, the narrative's status, and
 * Reference.reference (typed `string` in R4 but a relative or absolute URL).
 */
const SKIPPED_ELEMENTS = new Set(['id', 'meta', 'Narrative.status', 'Reference.reference']);

const layouts = new Map<string, Map<string, Child>>();

function layoutFor(type: string): Map<string, Child> {
  let layout = layouts.get(type);
  if (layout !== undefined) return layout;
  layout = new Map();
  for (const [name, element] of Object.entries(tryGetDataType(type)?.elements ?? {})) {
    if (SKIPPED_ELEMENTS.has(name) || SKIPPED_ELEMENTS.has(`${type}.${name}`)) continue;
    const choice = name.endsWith('[x]');
    for (const elementType of element.type) {
      const key = choice ? name.slice(0, -3) + elementType.code.charAt(0).toUpperCase() + elementType.code.slice(1) : name;
      layout.set(key, { type: elementType.code, role: roleOf(type, key, elementType.code) });
      if (!choice) break;
    }
  }
  layouts.set(type, layout);
  return layout;
}

function roleOf(parentType: string, key: string, type: string): Role {
  switch (type) {
    case 'string':
    case 'markdown':
      return NARRATIVE_ELEMENTS.has(`${parentType}.${key}`) ? NARRATIVE : CONTENT;
    case 'code':
      return CONTENT;
    case 'xhtml':
      return XHTML;
    case 'Resource':
      return RESOURCE;
    default:
      // Other primitives (id, uri, base64Binary, dateTime, decimal, ...) are not words.
      return type.charCodeAt(0) >= 97 ? SKIP : COMPLEX;
  }
}

interface TextParts {
  /** text.div of the resource (and of contained resources): the narrative proper, so it leads. */
  xhtml: string[];
  narrative: string[];
  other: string[];
}

type Json = any;

function visit(value: Json, child: Child, parts: TextParts): void {
  switch (child.role) {
    case CONTENT:
      if (typeof value === 'string') parts.other.push(value);
      return;
    case NARRATIVE:
      // Coding.display is usually repeated as CodeableConcept.text right after it; once is enough.
      if (typeof value === 'string' && value !== parts.narrative[parts.narrative.length - 1]) parts.narrative.push(value);
      return;
    case XHTML:
      if (typeof value === 'string') parts.xhtml.push(xhtmlToText(value));
      return;
    case COMPLEX:
      if (typeof value === 'object') walk(value, child.type, parts);
      return;
    case RESOURCE:
      if (typeof value === 'object' && typeof value.resourceType === 'string') walk(value, value.resourceType, parts);
      return;
  }
}

function walk(value: Json, type: string, parts: TextParts): void {
  const layout = layoutFor(type);
  for (const key in value) {
    const child = layout.get(key);
    if (child === undefined || child.role === SKIP) continue;
    const item = value[key];
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) if (item[i] !== null) visit(item[i], child, parts);
    } else if (item !== null) {
      visit(item, child, parts);
    }
  }
}

/** The narrative and content strings of a resource (contained resources included). */
export function extractText(resource: { resourceType: string }): { narrative: string; content: string } {
  const parts: TextParts = { xhtml: [], narrative: [], other: [] };
  walk(resource, resource.resourceType, parts);
  const labels = parts.narrative.join(' ');
  const div = parts.xhtml.length === 0 ? '' : parts.xhtml.join(' ');
  const narrative = capUtf8(div === '' ? labels : labels === '' ? div : div + ' ' + labels, TEXT_LIMIT_BYTES);
  if (parts.other.length === 0) return { narrative, content: narrative };
  const other = parts.other.join(' ');
  return { narrative, content: capUtf8(narrative === '' ? other : narrative + ' ' + other, TEXT_LIMIT_BYTES) };
}

const TAG = /<[^>]*>/g;
const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos|nbsp));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const SPACES = /\s+/g;

/**
 * Words of an XHTML narrative, for full-text indexing only. Not an XML parser: it removes anything
 * between `<` and `>` and decodes the few entities XHTML narratives use. That is safe here because
 * the output is only tokenised by FTS and never rendered or interpreted; malformed markup can at
 * worst put a stray word in the index. (Narrative is also validated at import: narrative.html#xhtml.)
 */
export function xhtmlToText(xhtml: string): string {
  const text = xhtml.replace(TAG, ' ');
  const decoded = text.includes('&') ? text.replace(ENTITY, decodeEntity) : text;
  return decoded.replace(SPACES, ' ').trim();
}

function decodeEntity(match: string, hex: string | undefined, decimal: string | undefined, name: string | undefined): string {
  if (name !== undefined) return NAMED[name] ?? match;
  const codePoint = hex !== undefined ? parseInt(hex, 16) : Number(decimal);
  return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : ' ';
}

/** Cuts `text` to at most `limit` UTF-8 bytes without splitting a character. */
export function capUtf8(text: string, limit: number): string {
  if (text.length * 3 <= limit) return text; // a UTF-16 unit is at most 3 UTF-8 bytes
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  let end = limit;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // back off continuation bytes
  return bytes.subarray(0, end).toString('utf8');
}
