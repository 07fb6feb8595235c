import { toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { fallbackPart, writeFhirPathRows, type FallbackPart } from './fhirpath-fallback.ts';
import { INDEXED_RESOURCE_TYPES, catalogFor } from './param-catalog.ts';
import { compilePath, type PathNode } from './path-compiler.ts';
import { hasOwnRows } from './stored-params.ts';
import { emptyIndexRows, type IndexContext, type IndexRows } from './rows.ts';
import { extractText } from './text-extract.ts';
import type { ExtractState } from './value-rows.ts';

/**
 * Resource → search index rows. Each resource type's parameters are compiled once (on first use)
 * into property walks; the few expression parts the compiler does not understand are evaluated with
 * FHIRPath. Rows are then de-duplicated: FHIRPath `|` is a set union (FHIRPath N1 §6.5.1, "eliminating
 * any duplicate values"), and a repeated row carries no search meaning, only storage.
 */

interface TypePlan {
  /** One step per expression part, in parameter order: compiled walks and FHIRPath fallbacks. */
  steps: PathNode[];
  fallbacks: FallbackPart[];
}

const plans = new Map<string, TypePlan>();
const everyParameterPlans = new Map<string, TypePlan>();

/** The plan for the parameters with rows of their own (stored-params.ts), or with `everyParameter` for all of them. */
function planFor(resourceType: string, everyParameter = false): TypePlan {
  const cache = everyParameter ? everyParameterPlans : plans;
  let plan = cache.get(resourceType);
  if (plan !== undefined) return plan;
  plan = { steps: [], fallbacks: [] };
  for (const param of catalogFor(resourceType)) {
    if (!everyParameter && !hasOwnRows(resourceType, param.code)) continue;
    for (const part of param.parts) {
      const node = compilePath(part, resourceType, param.type, param.code);
      if (node === undefined) {
        const fallback = fallbackPart(param.code, param.type, part);
        plan.fallbacks.push(fallback);
        plan.steps.push((resource, state) => writeFhirPathRows(fallback, toTypedValue(resource), state));
      } else if (node !== null) {
        plan.steps.push(node);
      }
    }
  }
  cache.set(resourceType, plan);
  return plan;
}

export interface ExtractOptions {
  /** Rows for the derived parameters too (stored-params.ts): what the index would hold without derivation, for tests. */
  everyParameter?: boolean;
}

export function extractIndexRows(resource: Resource, context?: IndexContext, options: ExtractOptions = {}): IndexRows {
  const plan = planFor(resource.resourceType, options.everyParameter);
  const state: ExtractState = {
    rows: emptyIndexRows(),
    resourceType: resource.resourceType,
    context,
    contained: 'contained' in resource ? resource.contained : undefined,
  };
  for (let i = 0; i < plan.steps.length; i++) plan.steps[i]!(resource, state);
  const rows = dedupeRows(state.rows);
  const text = extractText(resource);
  rows.narrative = text.narrative;
  rows.content = text.content;
  return rows;
}

/** Parameter expression parts evaluated with FHIRPath instead of a compiled walk, over all types. */
export function fallbackParams(): ReadonlyArray<{ resourceType: string; code: string; expression: string }> {
  const result: Array<{ resourceType: string; code: string; expression: string }> = [];
  for (const resourceType of INDEXED_RESOURCE_TYPES) {
    for (const part of planFor(resourceType, true).fallbacks) {
      result.push({ resourceType, code: part.code, expression: part.expression.original });
    }
  }
  return result;
}

/**
 * Removes repeated rows. All rows of one parameter are written by consecutive plan steps, so they are
 * contiguous in every table and a repeat can only be found within the current parameter's run; runs
 * are short, so comparing fields pairwise beats building keys.
 */
export function dedupeRows(rows: IndexRows): IndexRows {
  dedupeRuns(rows.tokens, (a, b) => a.code === b.code && a.system === b.system && a.display === b.display);
  dedupeRuns(rows.strings, (a, b) => a.raw === b.raw);
  dedupeRuns(rows.dates, (a, b) => a.start === b.start && a.end === b.end);
  dedupeRuns(rows.quantities, (a, b) =>
    a.value === b.value && a.low === b.low && a.high === b.high && a.code === b.code && a.system === b.system && a.unit === b.unit);
  dedupeRuns(rows.numbers, (a, b) => a.value === b.value);
  // targetType/targetId/contained are functions of the reference string within one resource.
  dedupeRuns(rows.references, (a, b) => a.reference === b.reference);
  dedupeRuns(rows.uris, (a, b) => a.value === b.value);
  return rows;
}

function dedupeRuns<T extends { param: string }>(rows: T[], same: (a: T, b: T) => boolean): void {
  let kept = 0;
  let runStart = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (kept > 0 && rows[kept - 1]!.param !== row.param) runStart = kept;
    let repeated = false;
    for (let j = runStart; j < kept; j++) {
      if (same(rows[j]!, row)) {
        repeated = true;
        break;
      }
    }
    if (!repeated) rows[kept++] = row;
  }
  rows.length = kept;
}
