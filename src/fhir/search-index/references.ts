import { getResourceTypes } from '@medplum/core';
import type { IndexContext } from './rows.ts';

/**
 * Resolution of Reference.reference strings for the reference index. FHIR R4 references.html#literal
 * and search.html#reference: a reference is relative (`Type/id`, optionally `/_history/version`),
 * absolute (`[base]/Type/id`), internal (`#id`, a contained resource) or a logical URI (`urn:uuid:`,
 * `urn:oid:`). The row keeps the string as written; targetType/targetId let `subject=Patient/123`
 * and `subject:Patient=123` match whichever of those forms the source used.
 */

export interface ResolvedReference {
  targetType: string | null;
  targetId: string | null;
  contained: boolean;
}

/** datatypes.html#id: 1–64 of [A-Za-z0-9\-\.]. */
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
// `[anything]/Type/id` with an optional `/_history/version` tail.
const ABSOLUTE_TAIL = /\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

const UNRESOLVED: ResolvedReference = { targetType: null, targetId: null, contained: false };

let resourceTypes: Set<string> | undefined;

function isResourceType(type: string): boolean {
  resourceTypes ??= new Set(getResourceTypes());
  return resourceTypes.has(type);
}

/**
 * Resolves `reference`, found in a resource of type `resourceType`, whose `contained` resources are
 * `contained` (needed for `#id`).
 */
export function resolveReference(
  reference: string,
  resourceType: string,
  context?: IndexContext,
  contained?: ReadonlyArray<{ resourceType?: string; id?: string }>,
): ResolvedReference {
  const first = reference.charCodeAt(0);
  if (first === 35 /* '#' */) return resolveInternal(reference, resourceType, contained);
  // `urn:uuid:` / `urn:oid:` name resources inside a Bundle; bundle readers rewrite them to
  // `Type/id` before indexing, so one that is still here points at nothing we can name.
  if (reference.startsWith('urn:')) return UNRESOLVED;
  // Conditional references (`Practitioner?identifier=http://...|123`, transactions.html#trules)
  // name a type but no id; their query may itself contain URLs, so they are recognised first.
  const query = reference.indexOf('?');
  if (query > 0) {
    const type = reference.slice(0, query);
    if (isResourceType(type)) return { targetType: type, targetId: null, contained: false };
  }
  if (reference.includes('://')) return resolveAbsolute(reference, context);
  return resolveRelative(reference);
}

/**
 * references.html#contained: `#id` points at `contained[]` of the same resource; a bare `#` points
 * from a contained resource back to its container. Both live inside this resource, so targetId is
 * null: there is no stand-alone resource to join to.
 */
function resolveInternal(
  reference: string,
  resourceType: string,
  contained: ReadonlyArray<{ resourceType?: string; id?: string }> | undefined,
): ResolvedReference {
  if (reference.length === 1) return { targetType: resourceType, targetId: null, contained: true };
  const id = reference.slice(1);
  const match = contained?.find((entry) => entry.id === id);
  return { targetType: match?.resourceType ?? null, targetId: null, contained: true };
}

function resolveRelative(reference: string): ResolvedReference {
  const slash = reference.indexOf('/');
  if (slash === -1) return UNRESOLVED;
  const type = reference.slice(0, slash);
  if (!isResourceType(type)) return UNRESOLVED;
  const next = reference.indexOf('/', slash + 1);
  const id = next === -1 ? reference.slice(slash + 1) : reference.slice(slash + 1, next);
  if (next !== -1 && !reference.startsWith('/_history/', next)) return UNRESOLVED;
  if (!ID.test(id)) return UNRESOLVED;
  return { targetType: type, targetId: id, contained: false };
}

/**
 * An absolute URL under the source server's base is the same as the relative form. Other absolute URLs
 * ending in `/Type/id` are resolved the same way: assuming they name a resource we hold is not safe
 * in general (it may live on another server), but recording targetType/targetId lets `Type/id`
 * searches find them, and the store — which knows what it holds — decides what a match means.
 */
function resolveAbsolute(reference: string, context: IndexContext | undefined): ResolvedReference {
  const base = context?.sourceBase;
  if (base !== undefined && base !== '') {
    const prefix = base.endsWith('/') ? base : base + '/';
    if (reference.startsWith(prefix)) return resolveRelative(reference.slice(prefix.length));
  }
  const m = ABSOLUTE_TAIL.exec(reference);
  if (m === null || !isResourceType(m[1]!)) return UNRESOLVED;
  return { targetType: m[1]!, targetId: m[2]!, contained: false };
}
