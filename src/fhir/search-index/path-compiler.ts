import {
  AsAtom,
  DotAtom,
  EqualsAtom,
  FunctionAtom,
  IsAtom,
  LiteralAtom,
  SymbolAtom,
  tryGetDataType,
  type Atom,
  type InternalSchemaElement,
} from '@medplum/core';
import { resolveReference } from './references.ts';
import type { IndexedParamType } from './rows.ts';
import { rowWriter, type ExtractState } from './value-rows.ts';

/**
 * Compiles the FHIRPath expressions of search parameters into plain property walks, once per
 * (resource type, parameter). Evaluating FHIRPath per resource is ~100× too slow for import, and the
 * R4 search parameter expressions are almost all of a few shapes:
 *
 *   Type.a.b.c                          dotted paths, any element may repeat (arrays are flattened)
 *   Type.value / Type.valueQuantity      choice elements, expanded by the schema's allowed types
 *   (Type.value as Quantity), .as(X), .ofType(X)   type filters on choice elements
 *   Type.x.where(resolve() is Patient)  reference target-type filter
 *   Type.x.where(system = 'phone')      equality filter on a primitive child
 *
 * Anything else (e.g. `Patient.deceased.exists() and ...`, `Bundle.entry[0]`) makes compilePath
 * return undefined and the caller falls back to FHIRPath evaluation for that parameter.
 *
 * The element types come from @medplum/core's schema (the R4 StructureDefinitions), so each
 * compiled branch knows the FHIR type of the values it reaches and picks its row writer up front.
 */

/** Visits one value reached by the path. */
export type PathNode = (value: Any, state: ExtractState) => void;
// Resource JSON is untyped at this level; the schema-derived plan is what gives it meaning.
type Any = any;

type Step =
  | { kind: 'child'; name: string }
  | { kind: 'as'; type: string }
  | { kind: 'resolveIs'; type: string }
  | { kind: 'equals'; name: string; literal: string | boolean | number };

class Unsupported extends Error {}

/** Flattens an expression into a linear list of steps, or throws Unsupported. */
function toSteps(atom: Atom, out: Step[]): Step[] {
  if (atom instanceof DotAtom) {
    toSteps(atom.left, out);
    return toSteps(atom.right, out);
  }
  if (atom instanceof SymbolAtom) {
    out.push({ kind: 'child', name: atom.name });
    return out;
  }
  if (atom instanceof AsAtom && atom.right instanceof SymbolAtom) {
    toSteps(atom.left, out);
    out.push({ kind: 'as', type: atom.right.name });
    return out;
  }
  if (atom instanceof FunctionAtom) {
    out.push(functionStep(atom));
    return out;
  }
  throw new Unsupported(atom.toString());
}

function functionStep(atom: FunctionAtom): Step {
  const [arg, ...rest] = atom.args;
  if (arg === undefined || rest.length > 0) throw new Unsupported(atom.toString());
  if ((atom.name === 'as' || atom.name === 'ofType') && arg instanceof SymbolAtom) return { kind: 'as', type: arg.name };
  if (atom.name === 'where') {
    if (arg instanceof IsAtom && arg.left instanceof FunctionAtom && arg.left.name === 'resolve' && arg.left.args.length === 0 && arg.right instanceof SymbolAtom) {
      return { kind: 'resolveIs', type: arg.right.name };
    }
    if (arg instanceof EqualsAtom && arg.left instanceof SymbolAtom && arg.right instanceof LiteralAtom) {
      const literal: unknown = arg.right.value.value;
      if (typeof literal === 'string' || typeof literal === 'boolean' || typeof literal === 'number') {
        return { kind: 'equals', name: arg.left.name, literal };
      }
    }
  }
  throw new Unsupported(atom.toString());
}

/** FHIR primitive type names start with a lower-case letter (datatypes.html#primitive). */
const isPrimitiveType = (type: string): boolean => type.charCodeAt(0) >= 97 && type.charCodeAt(0) <= 122;

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The JSON keys an element name can appear under, each with the FHIR type it then has. */
function childCandidates(typeName: string, name: string): Array<{ key: string; type: string }> | undefined {
  const elements = tryGetDataType(typeName)?.elements;
  if (elements === undefined) return undefined;
  const direct: InternalSchemaElement | undefined = elements[name];
  if (direct !== undefined && !direct.path.endsWith('[x]')) {
    const code = direct.type[0]?.code;
    return code === undefined ? undefined : [{ key: name, type: code }];
  }
  const choice = direct ?? elements[name + '[x]'];
  if (choice !== undefined) return choice.type.map((t) => ({ key: name + capitalize(t.code), type: t.code }));
  // A choice element named in resolved form, e.g. `effectiveDateTime`.
  for (let i = 1; i < name.length; i++) {
    const element = elements[name.slice(0, i) + '[x]'];
    const type = element?.type.find((t) => capitalize(t.code) === name.slice(i));
    if (type !== undefined) return [{ key: name, type: type.code }];
  }
  return undefined;
}

/**
 * Compiles `atom` (one `|`-part of a parameter expression, rooted at `resourceType`) into a walk
 * that writes `paramType` rows for `param`. Returns null when the path can never produce rows (e.g.
 * a quantity parameter over SampledData), undefined when the expression is not understood.
 */
export function compilePath(atom: Atom, resourceType: string, paramType: IndexedParamType, param: string): PathNode | null | undefined {
  try {
    const steps = toSteps(atom, []);
    const root = steps[0];
    if (root?.kind !== 'child' || root.name !== resourceType) return undefined;
    return compileFrom(steps, 1, resourceType, paramType, param);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

function compileFrom(steps: Step[], index: number, type: string, paramType: IndexedParamType, param: string): PathNode | null {
  const step = steps[index];
  if (step === undefined) {
    const writer = rowWriter(paramType, type);
    return writer === undefined ? null : (value, state) => writer(param, value, state);
  }
  switch (step.kind) {
    case 'as':
      // Each compiled branch has one static type, so a type filter is decided here, not per value.
      // (@medplum/core's `.as(X)` function passes every value through; its rows still match ours
      // because row writers are chosen by the value's type, and the equivalence tests check it.)
      return step.type === type ? compileFrom(steps, index + 1, type, paramType, param) : null;
    case 'resolveIs':
      if (type !== 'Reference') throw new Unsupported('resolve() on ' + type);
      return targetTypeFilter(step.type, compileFrom(steps, index + 1, type, paramType, param));
    case 'equals':
      return equalsFilter(type, step.name, step.literal, compileFrom(steps, index + 1, type, paramType, param));
    case 'child':
      return childNode(steps, index, type, step.name, paramType, param);
  }
}

function childNode(steps: Step[], index: number, type: string, name: string, paramType: IndexedParamType, param: string): PathNode | null {
  // FHIRPath on a primitive's JSON value (a string, number or boolean) finds no children.
  if (isPrimitiveType(type)) return null;
  const candidates = childCandidates(type, name);
  if (candidates === undefined) throw new Unsupported(`${type}.${name}`);
  const branches: Array<{ key: string; next: PathNode }> = [];
  for (const candidate of candidates) {
    if (candidate.type === 'Resource') throw new Unsupported(`${type}.${name} is a Resource`);
    const next = compileFrom(steps, index + 1, candidate.type, paramType, param);
    if (next !== null) branches.push({ key: candidate.key, next });
  }
  if (branches.length === 0) return null;
  if (branches.length === 1) return childStep(branches[0]!.key, branches[0]!.next);
  const steps2 = branches.map((b) => childStep(b.key, b.next));
  return (value, state) => {
    for (let i = 0; i < steps2.length; i++) steps2[i]!(value, state);
  };
}

/** Reads `key`, flattening a repeating element into its items (FHIRPath collections are flat). */
function childStep(key: string, next: PathNode): PathNode {
  return (value, state) => {
    const child = value[key];
    if (child === undefined || child === null) return;
    if (Array.isArray(child)) {
      for (let i = 0; i < child.length; i++) {
        const item = child[i];
        if (item !== undefined && item !== null) next(item, state);
      }
    } else {
      next(child, state);
    }
  };
}

/** `where(resolve() is T)`: keep references whose target type (as the reference string names it) is T. */
function targetTypeFilter(targetType: string, next: PathNode | null): PathNode | null {
  if (next === null) return null;
  return (reference, state) => {
    const text = reference.reference;
    if (typeof text !== 'string') return;
    if (resolveReference(text, state.resourceType, state.context, state.contained).targetType === targetType) next(reference, state);
  };
}

/** `where(name = 'literal')` on a primitive child. */
function equalsFilter(type: string, name: string, literal: string | boolean | number, next: PathNode | null): PathNode | null {
  const candidates = childCandidates(type, name);
  if (candidates?.length !== 1 || !isPrimitiveType(candidates[0]!.type)) throw new Unsupported(`${type}.${name} =`);
  if (next === null) return null;
  return (value, state) => {
    if (value[name] === literal) next(value, state);
  };
}
