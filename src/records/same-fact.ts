// "The same fact from two sources" (issue 5 §7): when a clinic's portal and a C-CDA export both hold
// the same lab result, condition, medication or immunisation, the lists show it once with "2 sources".
// Both records stay in the vault untouched: this module only decides which records say the same thing.
//
// The rule (also in README "Two sources"):
// - kinds: Observation (lab results and other observations), Condition, MedicationRequest /
//   MedicationStatement, Immunization. Other types never match (each record stands alone).
// - code: at least one shared coding of a recognised code system after normalisation (system URI or
//   its HL7 OID, code trimmed; LOINC for observations; SNOMED CT / ICD-10-CM / ICD-9-CM for conditions;
//   RxNorm for medications; CVX for immunisations). Medications without a shared RxNorm code match on
//   identical normalised text (lower case, punctuation and extra spaces removed). Without an RxNorm
//   database an ingredient (IN) and a clinical drug (SCD) of the same medicine do NOT match: only
//   identical codes or identical text do.
// - day: the same calendar day as written in each record (the first 10 characters of the date, the
//   clinic's local date); a record without any date matches only another without a date.
// - observation values: equal after UCUM conversion (NLM's @lhncbc/ucum-lhc) within a relative 1e-6;
//   conversions needing a molecular weight (mmol/L ↔ mg/dL) are not attempted, so those differ. Coded
//   and text values must be equal after normalisation; a value present on one side only differs.
import type { CodeableConcept, Coding, Quantity, Resource } from '@medplum/fhirtypes';
import { createRequire } from 'node:module';

type Kind = 'observation' | 'condition' | 'medication' | 'immunization';

/** Code system URIs and their HL7 OIDs (HL7 terminology, "urn:oid:" forms used by C-CDA conversions). */
const SYSTEMS: Record<string, string> = {
  'http://loinc.org': 'loinc',
  'urn:oid:2.16.840.1.113883.6.1': 'loinc',
  'http://snomed.info/sct': 'snomed',
  'urn:oid:2.16.840.1.113883.6.96': 'snomed',
  'http://hl7.org/fhir/sid/icd-10-cm': 'icd10cm',
  'urn:oid:2.16.840.1.113883.6.90': 'icd10cm',
  'http://hl7.org/fhir/sid/icd-9-cm': 'icd9cm',
  'urn:oid:2.16.840.1.113883.6.103': 'icd9cm',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'rxnorm',
  'urn:oid:2.16.840.1.113883.6.88': 'rxnorm',
  'http://hl7.org/fhir/sid/cvx': 'cvx',
  'urn:oid:2.16.840.1.113883.12.292': 'cvx',
};

/** Which normalised systems count as "the same code" for each kind. */
const KIND_SYSTEMS: Record<Kind, ReadonlySet<string>> = {
  observation: new Set(['loinc']),
  condition: new Set(['snomed', 'icd10cm', 'icd9cm']),
  medication: new Set(['rxnorm']),
  immunization: new Set(['cvx']),
};

function kindOf(resource: Resource): Kind | undefined {
  switch (resource.resourceType) {
    case 'Observation':
      return 'observation';
    case 'Condition':
      return 'condition';
    case 'MedicationRequest':
    case 'MedicationStatement':
      return 'medication';
    case 'Immunization':
      return 'immunization';
    default:
      return undefined;
  }
}

/** `loinc|2345-7` for each recognised coding of the concept. */
export function normalisedCodes(concept: CodeableConcept | undefined, allowed: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const coding of concept?.coding ?? []) {
    const system = SYSTEMS[(coding.system ?? '').trim().replace(/\/$/, '')];
    const code = coding.code?.trim();
    if (system && code && allowed.has(system)) out.push(`${system}|${system === 'cvx' ? code.replace(/^0+(?=\d)/, '') : code.toUpperCase()}`);
  }
  return out;
}

/** Lower case, punctuation and repeated spaces removed: "Amoxicillin 500 MG  Oral Capsule." → "amoxicillin 500 mg oral capsule". */
export function normalisedText(text: string | undefined): string | undefined {
  const value = text
    ?.toLowerCase()
    .replace(/[^\p{L}\p{N}.]+/gu, ' ')
    .replace(/\.(?!\d)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return value ? value : undefined;
}

const conceptText = (concept: CodeableConcept | undefined): string | undefined =>
  concept?.text ?? concept?.coding?.find((coding: Coding) => coding.display)?.display;

function conceptOf(resource: Resource): CodeableConcept | undefined {
  switch (resource.resourceType) {
    case 'Observation':
    case 'Condition':
      return resource.code;
    case 'MedicationRequest':
    case 'MedicationStatement':
      return resource.medicationCodeableConcept;
    case 'Immunization':
      return resource.vaccineCode;
    default:
      return undefined;
  }
}

/** The record's clinical date as written (not converted to UTC: the clinic's calendar day counts). */
function dateOf(resource: Resource): string | undefined {
  switch (resource.resourceType) {
    case 'Observation':
      return resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.effectiveInstant ?? resource.issued;
    case 'Condition':
      return resource.onsetDateTime ?? resource.onsetPeriod?.start ?? resource.recordedDate;
    case 'MedicationRequest':
      return resource.authoredOn;
    case 'MedicationStatement':
      return resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.dateAsserted;
    case 'Immunization':
      return resource.occurrenceDateTime ?? resource.recorded;
    default:
      return undefined;
  }
}

export const dayOf = (resource: Resource): string => dateOf(resource)?.slice(0, 10) ?? '';

/** The keys under which a record can meet its twins: kind, day and one code (or the medication's text). */
export function factKeys(resource: Resource): string[] {
  const kind = kindOf(resource);
  if (!kind) return [];
  const concept = conceptOf(resource);
  const keys = normalisedCodes(concept, KIND_SYSTEMS[kind]);
  if (kind === 'medication') {
    const text = normalisedText(conceptText(concept));
    if (text) keys.push(`text|${text}`);
  }
  const day = dayOf(resource);
  return [...new Set(keys)].map((key) => `${kind}|${day}|${key}`);
}

// ucum-lhc is CommonJS and loads its unit tables once (about half a second): loaded on first use only.
interface UcumUtils {
  convertUnitTo(from: string, value: number, to: string): { status: string; toVal: number | null };
}
let ucum: UcumUtils | undefined;
function ucumUtils(): UcumUtils {
  if (!ucum) {
    const require = createRequire(import.meta.url);
    const pkg = require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
    ucum = pkg.UcumLhcUtils.getInstance();
  }
  return ucum;
}

const unitOf = (quantity: Quantity) => quantity.code ?? quantity.unit ?? '';

/** Two quantities are equal when their values agree after converting one into the other's UCUM unit. */
export function sameQuantity(a: Quantity, b: Quantity): boolean {
  if (typeof a.value !== 'number' || typeof b.value !== 'number') return false;
  if ((a.comparator ?? '') !== (b.comparator ?? '')) return false;
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(Math.abs(x), Math.abs(y), 1e-12);
  const from = unitOf(a);
  const to = unitOf(b);
  if (from === to) return close(a.value, b.value);
  if (!from || !to) return false;
  const converted = ucumUtils().convertUnitTo(from, a.value, to);
  return converted.status === 'succeeded' && typeof converted.toVal === 'number' && close(converted.toVal, b.value);
}

/** The observation's value in a comparable form: a quantity, or a normalised string. */
function sameObservationValue(a: Resource, b: Resource): boolean {
  if (a.resourceType !== 'Observation' || b.resourceType !== 'Observation') return true;
  if (a.valueQuantity || b.valueQuantity) return Boolean(a.valueQuantity && b.valueQuantity && sameQuantity(a.valueQuantity, b.valueQuantity));
  const text = (resource: typeof a) => {
    if (resource.valueCodeableConcept) {
      const codes = normalisedCodes(resource.valueCodeableConcept, new Set(['loinc', 'snomed']));
      return codes[0] ?? normalisedText(conceptText(resource.valueCodeableConcept));
    }
    if (resource.valueString !== undefined) return normalisedText(resource.valueString);
    if (resource.valueBoolean !== undefined) return String(resource.valueBoolean);
    if (resource.valueInteger !== undefined) return String(resource.valueInteger);
    return undefined;
  };
  return text(a) === text(b);
}

/** Whether two records state the same fact (the rule at the top of this file). Never true for a record and itself. */
export function sameFact(a: Resource, b: Resource): boolean {
  if (a.resourceType === b.resourceType && a.id !== undefined && a.id === b.id) return false;
  const keys = new Set(factKeys(a));
  if (!factKeys(b).some((key) => keys.has(key))) return false;
  return sameObservationValue(a, b);
}

export interface FactGroup<T extends Resource> {
  /** The record shown in the list: the first of the group in the input order. */
  record: T;
  /** The other records stating the same fact (from other sources or imports), in input order. */
  others: T[];
}

/** Groups records that state the same fact, keeping the input order of first appearance. */
export function groupSameFacts<T extends Resource>(records: readonly T[]): FactGroup<T>[] {
  const groups: FactGroup<T>[] = [];
  const byKey = new Map<string, FactGroup<T>[]>();
  for (const record of records) {
    const keys = factKeys(record);
    let home: FactGroup<T> | undefined;
    for (const key of keys) {
      home = byKey.get(key)?.find((group) => sameFact(group.record, record));
      if (home) break;
    }
    if (home) {
      home.others.push(record);
      continue;
    }
    const group = { record, others: [] };
    groups.push(group);
    for (const key of keys) byKey.set(key, [...(byKey.get(key) ?? []), group]);
  }
  return groups;
}
