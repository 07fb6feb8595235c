import { tryGetDataType, type Constraint } from '@medplum/core';

/**
 * The FHIR invariants (ElementDefinition.constraint) that @medplum/core 4.5.2 evaluates, compiled to
 * plain JavaScript for the cases that decide them cheaply.
 *
 * medplum evaluates every constraint of severity 'error' except ele-1, dom-3, org-1 and sdf-19
 * (validation.ts `skippedConstraintKeys`): a type's own constraints only at the root of a
 * validation, an element's constraints on each of its values. An invariant here answers true only
 * when the FHIRPath expression certainly evaluates to true for the value — typically because the
 * elements it speaks about are absent. Anything else answers false, which sends the whole resource
 * to medplum for the verdict and the message, so an invariant without a compiled form is never a
 * risk, only a slower path.
 *
 * Every entry is keyed by the constraint key AND its exact expression: a different definitions
 * package with a changed expression falls back to medplum instead of being checked by stale code.
 */
export type Invariant = (value: Any) => boolean;
// The value is resource JSON already walked by the caller; the schema gives it meaning.
type Any = any;

const SKIPPED = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

let lastUncompiled: string | undefined;

/** The key of the last uncompiled invariant that sent a resource to medplum (for tests and the bench); clears it. */
export function takeUncompiledInvariant(): string | undefined {
  const key = lastUncompiled;
  lastUncompiled = undefined;
  return key;
}

/** The constraints that must hold for a value of an element (or at a root), compiled. */
export function compileInvariants(constraints: readonly Constraint[] | undefined): Invariant[] {
  const out: Invariant[] = [];
  for (const constraint of constraints ?? []) {
    if (constraint.severity !== 'error' || SKIPPED.has(constraint.key)) continue;
    const compiled = COMPILED.get(`${constraint.key} ${constraint.expression}`);
    const key = constraint.key;
    out.push(
      compiled ??
        (() => {
          lastUncompiled = key;
          return false;
        }),
    );
  }
  return out;
}

/**
 * medplum's `isEmpty` (utils.ts) for JSON values: '', [] and {} count as absent — its property
 * lookup (getTypedPropertyValueWithSchema) returns nothing for them, in validation and in FHIRPath.
 */
export function isEmptyValue(value: unknown): boolean {
  if (value === '' || value === undefined || value === null) return true;
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.length === 0;
  for (const _key in value) return false;
  return true;
}

/**
 * Presence as medplum's FHIRPath sees it, for values the walker has already accepted (no nulls,
 * no `_field` extensions, one property per choice element).
 */
function absent(value: Any, name: string): boolean {
  return isEmptyValue(value[name]);
}

/** `present(v)`: some property of the choice element `typeName.elementKey` (e.g. Observation.value[x]) is there. */
function choice(typeName: string, elementKey: string): (value: Any) => boolean {
  let names: readonly string[] | undefined;
  return (value) => {
    names ??= (tryGetDataType(typeName)?.elements[elementKey]?.type ?? []).map((t) => `${elementKey.slice(0, -3)}${t.code.charAt(0).toUpperCase()}${t.code.slice(1)}`);
    // No names (a changed schema) would make every choice look absent: answer "present", the safe side.
    if (names.length === 0) return true;
    for (const name of names) if (!isEmptyValue(value[name])) return true;
    return false;
  };
}

/** Some coding of a CodeableConcept has this system and one of these codes (FHIRPath `coding.where(system=… and code=…)`). */
function hasCoding(concept: Any, system: string, codes: readonly string[]): boolean {
  const coding = concept?.coding;
  if (!Array.isArray(coding)) return false;
  for (const c of coding) if (c.system === system && codes.includes(c.code)) return true;
  return false;
}

/** `contained.X.empty()`: true when no contained resource has X (vacuously when none is contained). */
function everyContained(value: Any, test: (contained: Any) => boolean): boolean {
  const contained = value.contained;
  if (!Array.isArray(contained)) return true;
  for (const c of contained) if (!test(c)) return false;
  return true;
}

function metaAbsent(resource: Any, name: string): boolean {
  return isEmptyValue(resource.meta) || absent(resource.meta, name);
}

const extensionValue = choice('Extension', 'value[x]');
const observationValue = choice('Observation', 'value[x]');
const conditionAbatement = choice('Condition', 'abatement[x]');
const goalDetail = choice('GoalTarget', 'detail[x]');
const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_VER_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';
const has = (value: Any, name: string): boolean => !isEmptyValue(value[name]);

const COMPILED = new Map<string, Invariant>([
  // Extension (FHIR R4 extensibility.html): "Must have either extensions or value[x], not both".
  ['ext-1 extension.exists() != value.exists()', (v) => has(v, 'extension') !== extensionValue(v)],
  // DomainResource (R4 domainresource.html): what contained resources may not carry.
  // Narrative.div: medplum's htmlChecks() is a stub that answers true (fhirpath/functions.ts).
  ['txt-1 htmlChecks()', () => true],
  ['txt-2 htmlChecks()', () => true],
  ['dom-2 contained.contained.empty()', (v) => everyContained(v, (c) => absent(c, 'contained'))],
  ['dom-4 contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()', (v) => everyContained(v, (c) => metaAbsent(c, 'versionId') && metaAbsent(c, 'lastUpdated'))],
  ['dom-5 contained.meta.security.empty()', (v) => everyContained(v, (c) => metaAbsent(c, 'security'))],
  // Timing.repeat (R4 datatypes.html#Timing).
  ['tim-1 duration.empty() or durationUnit.exists()', (v) => absent(v, 'duration') || has(v, 'durationUnit')],
  ['tim-2 period.empty() or periodUnit.exists()', (v) => absent(v, 'period') || has(v, 'periodUnit')],
  ['tim-4 duration.exists() implies duration >= 0', (v) => absent(v, 'duration') || v.duration >= 0],
  ['tim-5 period.exists() implies period >= 0', (v) => absent(v, 'period') || v.period >= 0],
  ['tim-6 periodMax.empty() or period.exists()', (v) => absent(v, 'periodMax') || has(v, 'period')],
  ['tim-7 durationMax.empty() or duration.exists()', (v) => absent(v, 'durationMax') || has(v, 'duration')],
  ['tim-8 countMax.empty() or count.exists()', (v) => absent(v, 'countMax') || has(v, 'count')],
  ["tim-9 offset.empty() or (when.exists() and when.select($this in ('C' | 'CM' | 'CD' | 'CV')).allFalse())", (v) => absent(v, 'offset')],
  ['tim-10 timeOfDay.empty() or when.empty()', (v) => absent(v, 'timeOfDay') || absent(v, 'when')],
  // Patient.contact, Organization.telecom/address.
  ['pat-1 name.exists() or telecom.exists() or address.exists() or organization.exists()', (v) => has(v, 'name') || has(v, 'telecom') || has(v, 'address') || has(v, 'organization')],
  ["org-3 where(use = 'home').empty()", (v) => v.use !== 'home'],
  ["org-2 where(use = 'home').empty()", (v) => v.use !== 'home'],
  // Observation (R4 observation.html#invs); obs-7 is only decided when value[x] or component is absent.
  ['obs-6 dataAbsentReason.empty() or value.empty()', (v) => absent(v, 'dataAbsentReason') || !observationValue(v)],
  ['obs-7 value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()', (v) => !observationValue(v) || absent(v, 'component')],
  ['obs-3 low.exists() or high.exists() or text.exists()', (v) => has(v, 'low') || has(v, 'high') || has(v, 'text')],
  // Condition (R4 condition.html#invs).
  [
    "con-4 abatement.empty() or clinicalStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-clinical' and (code='resolved' or code='remission' or code='inactive')).exists()",
    (v) => !conditionAbatement(v) || hasCoding(v.clinicalStatus, CONDITION_CLINICAL, ['resolved', 'remission', 'inactive']),
  ],
  [
    "con-5 verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' and code='entered-in-error').empty() or clinicalStatus.empty()",
    (v) => !hasCoding(v.verificationStatus, CONDITION_VER_STATUS, ['entered-in-error']) || absent(v, 'clinicalStatus'),
  ],
  ['con-1 summary.exists() or assessment.exists()', (v) => has(v, 'summary') || has(v, 'assessment')],
  ['con-2 code.exists() or detail.exists()', (v) => has(v, 'code') || has(v, 'detail')],
  // AllergyIntolerance (R4 allergyintolerance.html#invs).
  [
    "ait-1 verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification' and code = 'entered-in-error').exists() or clinicalStatus.exists()",
    (v) => hasCoding(v.verificationStatus, ALLERGY_VERIFICATION, ['entered-in-error']) || has(v, 'clinicalStatus'),
  ],
  [
    "ait-2 verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification' and code = 'entered-in-error').empty() or clinicalStatus.empty()",
    (v) => !hasCoding(v.verificationStatus, ALLERGY_VERIFICATION, ['entered-in-error']) || absent(v, 'clinicalStatus'),
  ],
  ['imm-1 documentType.exists() or reference.exists()', (v) => has(v, 'documentType') || has(v, 'reference')],
  ['cpl-3 detail.empty() or reference.empty()', (v) => absent(v, 'detail') || absent(v, 'reference')],
  ['ctm-1 onBehalfOf.exists() implies (member.resolve().iif(empty(), true, ofType(Practitioner).exists()))', (v) => absent(v, 'onBehalfOf')],
  ['gol-1 (detail.exists() and measure.exists()) or detail.exists().not()', (v) => !goalDetail(v) || has(v, 'measure')],
  // Composition.section (R4 composition.html#invs).
  ['cmp-1 text.exists() or entry.exists() or section.exists()', (v) => has(v, 'text') || has(v, 'entry') || has(v, 'section')],
  ['cmp-2 emptyReason.empty() or entry.empty()', (v) => absent(v, 'emptyReason') || absent(v, 'entry')],
]);
