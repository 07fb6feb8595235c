import { fhirTypeToJsType, isResourceType, tryGetDataType, type InternalSchemaElement, type InternalTypeSchema } from '@medplum/core';
import { compileInvariants, type Invariant } from './invariants.ts';
import { primitiveCheck, type PrimitiveCheck } from './primitives.ts';

/**
 * Per-type validation plans compiled from @medplum/core's loaded type schema (the R4
 * StructureDefinitions after loadFhirDefinitions()), once per type on first use.
 *
 * medplum's crawler walks every element of a schema (absent ones too) and resolves each choice
 * element by trying its types in turn; a plan instead maps each JSON property name that may appear
 * (`status`, `valueQuantity`, …) straight to what to check, so the walk only visits properties that
 * are present, and the required elements are a count compared at the end.
 */

/** What to check for one JSON property name of a type. */
export interface PropertyPlan {
  /** The schema element's key (`value[x]` for `valueQuantity`): two keys of one choice element are refused. */
  readonly elementKey: string;
  readonly isArray: boolean;
  readonly min: number;
  readonly max: number;
  /** The element's invariants medplum evaluates on each value (ele-1 etc. left out), compiled. */
  readonly invariants: readonly Invariant[];
  /** Either a primitive check, a complex type's name, or 'Resource' (a nested resource). */
  readonly primitive: PrimitiveCheck | undefined;
  readonly complexType: string | undefined;
}

export interface TypePlan {
  readonly name: string;
  readonly properties: ReadonlyMap<string, PropertyPlan>;
  /** How many distinct elements have min ≥ 1: each must be met by exactly one present property. */
  readonly requiredCount: number;
  /** The type's own invariants (checked by medplum only at the root of a validation). */
  readonly rootInvariants: readonly Invariant[];
}

/** A plan that cannot be built (an unknown type code, a slicing or fixed value): values of it are left to medplum. */
const UNPLANNABLE = null;

const plans = new Map<string, TypePlan | typeof UNPLANNABLE>();

/** The plan for a type name (a resource, a data type or a backbone element's type name), or null. */
export function typePlan(name: string): TypePlan | null {
  let plan = plans.get(name);
  if (plan === undefined) {
    plan = buildPlan(name);
    plans.set(name, plan);
  }
  return plan;
}

/** Whether `name` is a resource type whose plan exists (medplum throws for unknown resource types). */
export function isPlannedResourceType(name: string): boolean {
  return isResourceType(name) && typePlan(name) !== null;
}

function capitalize(code: string): string {
  return code.charAt(0).toUpperCase() + code.slice(1);
}

function buildPlan(name: string): TypePlan | null {
  const schema: InternalTypeSchema | undefined = tryGetDataType(name);
  if (!schema) return UNPLANNABLE;
  const rootInvariants = compileInvariants(schema.constraints);
  const properties = new Map<string, PropertyPlan>();
  let requiredCount = 0;
  for (const [elementKey, element] of Object.entries(schema.elements)) {
    // Profiles' slicing and fixed/pattern values do not occur in the base R4 definitions; if they
    // ever do, the whole type goes to medplum rather than being checked half.
    if (element.slicing || element.fixed || element.pattern) return UNPLANNABLE;
    // A prohibited element (max 0, only in profiles) is left out: its properties are unknown here.
    if (element.max < 1) continue;
    const invariants = compileInvariants(element.constraints);
    if (element.min > 0) requiredCount++;
    const isChoice = elementKey.endsWith('[x]');
    const base = isChoice ? elementKey.slice(0, -3) : elementKey;
    for (const type of element.type) {
      // A non-choice element with several types does not exist in R4; refuse to guess.
      if (!isChoice && element.type.length !== 1) return UNPLANNABLE;
      const propertyName = isChoice ? base + capitalize(type.code) : elementKey;
      const plan = propertyPlan(elementKey, element, type.code, invariants);
      if (plan === undefined) return UNPLANNABLE;
      properties.set(propertyName, plan);
    }
  }
  return { name, properties, requiredCount, rootInvariants };
}

function propertyPlan(elementKey: string, element: InternalSchemaElement, code: string, invariants: readonly Invariant[]): PropertyPlan | undefined {
  const common = { elementKey, isArray: element.isArray === true, min: element.min, max: element.max, invariants };
  if (code in fhirTypeToJsType) {
    const primitive = primitiveCheck(code);
    return primitive ? { ...common, primitive, complexType: undefined } : undefined;
  }
  // medplum turns an Element/BackboneElement type into the backbone's own type name when parsing,
  // so the code here is already e.g. ObservationReferenceRange; 'Resource' means a nested resource.
  if (code === 'Resource' || tryGetDataType(code)) return { ...common, primitive: undefined, complexType: code };
  return undefined;
}
