import { isEmptyValue } from './invariants.ts';
import { isPlannedResourceType, typePlan, type PropertyPlan, type TypePlan } from './plan.ts';

/**
 * A compiled structural check of a FHIR R4 resource, equivalent to @medplum/core 4.5.2's
 * `validateResource` on what it accepts: `fastValidate(resource) === true` means medplum raises
 * no error for it. False means "not certainly valid" — an invalid resource, or a shape this walk
 * leaves to medplum (a `_field` primitive extension, null, an empty choice value, two properties of one
 * choice element, an invariant without a compiled form). validateFhirResource then asks medplum,
 * which gives the verdict and the canonical message. See docs/performance.md.
 *
 * What it checks, as medplum does (typeschema/validation.ts, crawler.ts):
 * - every property is an element of the type (or `resourceType` on a resource), choice elements
 *   by their typed names (`valueQuantity`), at most one property per choice element;
 * - arrays where the element repeats (base max > 1), single values where it does not; min/max;
 * - every required element (min ≥ 1) is present; '', [], {} and undefined read as absent, as in
 *   medplum's property lookup (so accepted for an optional element, "missing" for a required one);
 * - primitives: JSON type, non-blank and ≤ 1 MB strings, medplum's format regex per type,
 *   finite numbers, integers, positiveInt > 0, unsignedInt ≥ 0;
 * - complex values recursively by their type's plan; nested resources (contained,
 *   Bundle.entry.resource, Parameters) by their own resourceType's plan;
 * - the invariants medplum evaluates (root ones at the root only, element ones on each value).
 * medplum's reference target-type check only yields warnings, so it is not repeated here.
 */
export function fastValidate(resource: unknown): boolean {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) return false;
  const resourceType = (resource as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string' || !isPlannedResourceType(resourceType)) return false;
  const plan = typePlan(resourceType)!;
  try {
    if (!walkObject(resource as Record<string, unknown>, plan, true)) return false;
    // After the walk: the compiled invariants may then rely on well-formed values.
    for (const invariant of plan.rootInvariants) if (!invariant(resource)) return false;
    return true;
  } catch {
    // A stack overflow on absurd nesting: medplum decides (and fails the same way or reports).
    return false;
  }
}

function walkObject(object: Record<string, unknown>, plan: TypePlan, isResource: boolean): boolean {
  const properties = plan.properties;
  let required = 0;
  let seen: string[] | undefined;
  let undefinedChoices: string[] | undefined;
  let count = 0;
  for (const key in object) {
    count++;
    if (key === 'resourceType' && isResource) continue;
    const property = properties.get(key);
    if (property === undefined) return false;
    const value = object[key];
    if (isEmptyValue(value)) {
      // medplum reads '', [] and {} as an absent element: fine when optional, "missing" when
      // required. For a choice element it reports an unknown property; null is an error. An
      // undefined value (objects built in code) reads as absent too; an undefined choice property
      // only when another property of its element has a value (medplum then reads it as that one).
      if (value === null) return false;
      if (property.elementKey !== key) {
        if (value !== undefined) return false;
        (undefinedChoices ??= []).push(property.elementKey);
      } else if (property.min > 0) {
        return false;
      }
      continue;
    }
    if (!walkProperty(value, property)) return false;
    if (property.elementKey !== key) {
      // A choice element: a second property of the same element is only a warning in medplum,
      // which then validates just one of them; refuse here rather than mirror that.
      seen ??= [];
      if (seen.includes(property.elementKey)) return false;
      seen.push(property.elementKey);
    }
    if (property.min > 0) required++;
  }
  if (undefinedChoices !== undefined) for (const elementKey of undefinedChoices) if (seen === undefined || !seen.includes(elementKey)) return false;
  return count > 0 && required === plan.requiredCount;
}

function walkProperty(value: unknown, property: PropertyPlan): boolean {
  if (property.isArray) {
    if (!Array.isArray(value)) return false;
    const length = value.length;
    if (length === 0 || length < property.min || length > property.max) return false;
    for (let index = 0; index < length; index++) if (!walkValue(value[index], property)) return false;
    return true;
  }
  if (Array.isArray(value)) return false;
  return walkValue(value, property);
}

function walkValue(value: unknown, property: PropertyPlan): boolean {
  if (property.primitive !== undefined) {
    if (!property.primitive(value)) return false;
  } else {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    let plan: TypePlan | null;
    if (property.complexType === 'Resource') {
      const resourceType = record.resourceType;
      if (typeof resourceType !== 'string' || !isPlannedResourceType(resourceType)) return false;
      plan = typePlan(resourceType);
    } else {
      if (record.resourceType !== undefined) return false;
      plan = typePlan(property.complexType!);
    }
    if (plan === null || !walkObject(record, plan, property.complexType === 'Resource')) return false;
  }
  const invariants = property.invariants;
  for (let index = 0; index < invariants.length; index++) if (!invariants[index]!(value)) return false;
  return true;
}
