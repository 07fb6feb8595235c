import { FhirPathAtom, evalFhirPathTyped, toTypedValue, type Atom, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { catalogFor } from './param-catalog.ts';
import { emptyIndexRows, type IndexContext, type IndexedParamType, type IndexRows } from './rows.ts';
import { rowWriter, type ExtractState } from './value-rows.ts';

/**
 * The slow, general path: evaluate a parameter expression with @medplum/core's FHIRPath engine and
 * turn each typed result into rows with the same writers the compiled paths use. Used for the few
 * expressions path-compiler.ts does not understand, and by the equivalence tests as the reference.
 */

export interface FallbackPart {
  code: string;
  type: IndexedParamType;
  /** Parsed once; evaluation reuses the AST. */
  expression: FhirPathAtom;
}

export function fallbackPart(code: string, type: IndexedParamType, part: Atom): FallbackPart {
  return { code, type, expression: new FhirPathAtom(part.toString(), part) };
}

/** FHIRPath wraps primitives that carry extensions (`_status`) in String/Number/Boolean objects. */
function unwrap(value: unknown): unknown {
  if (value instanceof String || value instanceof Number || value instanceof Boolean) return value.valueOf();
  return value;
}

export function writeFhirPathRows(part: FallbackPart, input: TypedValue, state: ExtractState): void {
  let results: TypedValue[];
  try {
    results = evalFhirPathTyped(part.expression, [input]);
  } catch {
    // A value the engine cannot evaluate (malformed data that slipped past validation) leaves this
    // parameter unindexed for this resource rather than failing the import of the whole record.
    return;
  }
  for (const result of results) {
    const writer = rowWriter(part.type, result.type);
    if (writer !== undefined) writer(part.code, unwrap(result.value), state);
  }
}

/**
 * Every parameter of the resource evaluated through FHIRPath; rows only, no text and no de-duplication.
 * The reference for the equivalence tests of the compiled extractors.
 */
export function extractRowsWithFhirPath(resource: Resource, context?: IndexContext): IndexRows {
  const state: ExtractState = {
    rows: emptyIndexRows(),
    resourceType: resource.resourceType,
    context,
    contained: 'contained' in resource ? resource.contained : undefined,
  };
  const input = toTypedValue(resource);
  for (const param of catalogFor(resource.resourceType)) {
    for (const part of param.parts) writeFhirPathRows(fallbackPart(param.code, param.type, part), input, state);
  }
  return state.rows;
}
