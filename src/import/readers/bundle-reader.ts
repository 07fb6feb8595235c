import { createHash } from 'node:crypto';
import { asResource, parseJsonGuarded, stripServerOwnedMeta } from './json-guard.ts';
import type { ReadLimits } from './limits.ts';
import { errorItem, errorItemFrom, type ImportItem, type ItemLocation } from './types.ts';
import { forEachReference } from '../../records/references.ts';

/**
 * JSON documents: one resource, or a Bundle whose entries are yielded one by one (FHIR R4 §2.36
 * Bundle) with references between entries rewritten to `Type/id`.
 */

type Json = Record<string, unknown>;

const BUNDLE_TYPES = new Set(['collection', 'transaction', 'batch', 'searchset', 'document', 'message', 'history']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** A parsed JSON document: a Bundle's entries, or the resource itself. */
export function* readJsonDocument(text: string, file: string, limits: ReadLimits): Generator<ImportItem> {
  let document: Json;
  try {
    document = parseJsonGuarded(text, limits);
  } catch (error) {
    yield errorItemFrom({ file }, error);
    return;
  }
  if (document['resourceType'] === 'Bundle') {
    yield* readBundle(document, file);
    return;
  }
  stripServerOwnedMeta(document);
  yield { kind: 'resource', location: { file }, resource: document };
}

interface Planned {
  location: ItemLocation;
  resource: Json;
  fullUrl?: string;
}

/** The entries of an already parsed (and guarded) Bundle, in order, each with its entry index. */
export function* readBundle(bundle: Json, file: string): Generator<ImportItem> {
  const type = bundle['type'];
  if (typeof type !== 'string' || !BUNDLE_TYPES.has(type)) {
    const found = typeof type === 'string' ? `"${type}"` : 'missing';
    yield errorItem({ file }, `Bundle.type ${found} is not importable (expected one of ${[...BUNDLE_TYPES].join(', ')})`, 'Bundle.type');
    return;
  }
  const entries = bundle['entry'] ?? [];
  if (!Array.isArray(entries)) {
    yield errorItem({ file }, 'Bundle.entry must be an array', 'Bundle.entry');
    return;
  }

  // Pass 1: decide what each entry yields, give every resource an id, and learn the fullUrls.
  const outcome: (ImportItem | Planned)[] = [];
  const targets = new Map<string, string>();
  const seenInHistory = new Set<string>();
  for (let index = 0; index < entries.length; index++) {
    const location = { file, entry: index };
    const planned = planEntry(entries[index], type, location, seenInHistory);
    if (planned === SKIP) continue;
    if ('kind' in planned) {
      outcome.push(planned);
      continue;
    }
    const { resource, fullUrl } = planned;
    if (typeof resource['id'] !== 'string') resource['id'] = deriveId(resource, fullUrl);
    if (fullUrl !== undefined) {
      if (targets.has(fullUrl)) {
        outcome.push(errorItem(location, `duplicate fullUrl ${fullUrl} (an earlier entry has it)`, `Bundle.entry[${index}].fullUrl`));
        continue;
      }
      targets.set(fullUrl, `${resource['resourceType'] as string}/${resource['id'] as string}`);
    }
    outcome.push(planned);
  }

  // Pass 2: rewrite references to other entries, then yield in entry order.
  for (const item of outcome) {
    if ('kind' in item) {
      yield item;
      continue;
    }
    if (targets.size > 0) rewriteReferences(item.resource, targets);
    const resourceItem: ImportItem = { kind: 'resource', location: item.location, resource: item.resource };
    if (item.fullUrl !== undefined) resourceItem.fullUrl = item.fullUrl;
    yield resourceItem;
  }
}

const SKIP = Symbol('skip');

function planEntry(entry: unknown, type: string, location: ItemLocation, seenInHistory: Set<string>): ImportItem | Planned | typeof SKIP {
  const path = `Bundle.entry[${location.entry}]`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return errorItem(location, 'entry must be a JSON object', path);
  }
  const record = entry as Json;
  const fullUrl = typeof record['fullUrl'] === 'string' ? record['fullUrl'] : undefined;
  const method = requestMethod(record);

  if (type === 'searchset' && (record['search'] as Json | undefined)?.['mode'] === 'outcome') {
    return errorItem(location, `warning: the server reported: ${outcomeText(record['resource'])}`, `${path}.resource`);
  }
  if (type === 'transaction' || type === 'batch') {
    if (method === 'DELETE') return errorItem(location, 'deletes in a transaction are not imported', `${path}.request.method`);
    if (method === 'GET' || method === 'HEAD') return errorItem(location, 'read requests in a transaction are not imported', `${path}.request.method`);
    if (method === 'PATCH') return errorItem(location, 'patches in a transaction are not imported', `${path}.request.method`);
  }
  if (type === 'history') {
    // History lists newest versions first (FHIR R4 §3.1.0.4.1): keep the first one seen per resource.
    const key = historyKey(record, fullUrl);
    if (key !== undefined) {
      if (seenInHistory.has(key)) return SKIP;
      seenInHistory.add(key);
    }
    if (method === 'DELETE') return errorItem(location, 'warning: the latest version in the history is a delete; not imported', `${path}.request.method`);
  }
  if (record['resource'] === undefined) return errorItem(location, 'entry has no resource', `${path}.resource`);
  let resource: Json;
  try {
    resource = asResource(record['resource'], 'the entry resource');
  } catch (error) {
    return errorItemFrom(location, error);
  }
  stripServerOwnedMeta(resource);
  return fullUrl === undefined ? { location, resource } : { location, resource, fullUrl };
}

function requestMethod(entry: Json): string | undefined {
  const request = entry['request'];
  if (typeof request !== 'object' || request === null) return undefined;
  const method = (request as Json)['method'];
  return typeof method === 'string' ? method.toUpperCase() : undefined;
}

function historyKey(entry: Json, fullUrl: string | undefined): string | undefined {
  const resource = entry['resource'] as Json | undefined;
  if (typeof resource?.['resourceType'] === 'string' && typeof resource['id'] === 'string') return `${resource['resourceType']}/${resource['id']}`;
  const url = (entry['request'] as Json | undefined)?.['url'];
  if (typeof url === 'string') {
    const match = /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/.exec(url);
    if (match) return match[1];
  }
  return fullUrl;
}

function outcomeText(resource: unknown): string {
  const issues = (resource as Json | undefined)?.['issue'];
  if (!Array.isArray(issues)) return 'no details';
  const texts = issues
    .map((issue: Json) => {
      const details = (issue?.['details'] as Json | undefined)?.['text'];
      const text = typeof issue?.['diagnostics'] === 'string' ? issue['diagnostics'] : typeof details === 'string' ? details : undefined;
      return text === undefined ? undefined : `${typeof issue['severity'] === 'string' ? `${issue['severity']}: ` : ''}${text}`;
    })
    .filter((text): text is string => text !== undefined);
  return texts.length > 0 ? texts.join('; ') : 'no details';
}

/**
 * An id for an entry resource without one, stable across re-imports of the same file: the uuid of a
 * `urn:uuid:` fullUrl, the id at the end of a RESTful fullUrl, else a SHA-256 of the resource's JSON.
 */
function deriveId(resource: Json, fullUrl: string | undefined): string {
  if (fullUrl?.toLowerCase().startsWith('urn:uuid:')) {
    const uuid = fullUrl.slice('urn:uuid:'.length);
    if (UUID.test(uuid)) return uuid.toLowerCase();
  }
  if (fullUrl !== undefined && /^https?:\/\//.test(fullUrl)) {
    const [type, id] = fullUrl.split('/').slice(-2);
    if (type === resource['resourceType'] && id !== undefined && FHIR_ID.test(id)) return id;
  }
  return createHash('sha256').update(JSON.stringify(resource)).digest('hex').slice(0, 32);
}

/** Every `reference` equal to another entry's fullUrl becomes that entry's `Type/id`. */
function rewriteReferences(value: unknown, targets: Map<string, string>): void {
  forEachReference(value, (reference) => {
    const target = targets.get(reference.reference);
    if (target !== undefined) reference.reference = target;
  });
}
