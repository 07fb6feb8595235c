import type { Flag } from './health-types.ts';
export type { Flag };

/**
 * Small readings of FHIR R4 resources the pages need: a display name, the clinically relevant date,
 * an Observation's value and whether it is out of range. Resources come from the vault as parsed
 * JSON, so every field is treated as possibly missing.
 */
type Json = Record<string, any>;

export function conceptText(concept: Json | undefined): string | undefined {
  if (!concept || typeof concept !== 'object') return undefined;
  if (typeof concept.text === 'string' && concept.text) return concept.text;
  const coding = Array.isArray(concept.coding) ? concept.coding.find((c: Json) => typeof c?.display === 'string') : undefined;
  return coding?.display ?? (Array.isArray(concept.coding) ? concept.coding[0]?.code : undefined);
}

/** A one-line name of a record, per type (the code of what it is about). */
export function labelOf(resource: Json): string {
  switch (resource.resourceType) {
    case 'MedicationRequest':
    case 'MedicationStatement':
      return conceptText(resource.medicationCodeableConcept) ?? resource.medicationReference?.display ?? 'Medication';
    case 'Immunization':
      return conceptText(resource.vaccineCode) ?? 'Immunization';
    case 'DocumentReference':
      return resource.description ?? conceptText(resource.type) ?? resource.content?.[0]?.attachment?.title ?? 'Document';
    case 'Encounter':
      return conceptText(resource.type?.[0]) ?? resource.class?.display ?? 'Visit';
    case 'AllergyIntolerance':
      return conceptText(resource.code) ?? 'Allergy';
    default:
      return conceptText(resource.code) ?? resource.resourceType ?? 'Record';
  }
}

const DATE_FIELDS = ['effectiveDateTime', 'effectivePeriod', 'occurrenceDateTime', 'performedDateTime', 'performedPeriod', 'period', 'onsetDateTime', 'recordedDate', 'authoredOn', 'date', 'issued'];

/** The date the record is about (not when it was stored), as written in the record. */
export function dateOf(resource: Json): string | undefined {
  for (const field of DATE_FIELDS) {
    const value = resource[field];
    if (typeof value === 'string') return value;
    if (value && typeof value.start === 'string') return value.start;
  }
  return undefined;
}

export interface Quantity {
  value: number;
  unit: string;
  /** The UCUM code, when the quantity is in UCUM (http://unitsofmeasure.org). */
  code?: string;
}

export function quantityOf(value: Json | undefined): Quantity | undefined {
  if (!value || typeof value.value !== 'number') return undefined;
  const ucum = value.system === 'http://unitsofmeasure.org' && typeof value.code === 'string' ? value.code : undefined;
  return { value: value.value, unit: value.unit ?? ucum ?? '', ...(ucum ? { code: ucum } : {}) };
}

/** An Observation's value as text: a quantity with its unit, a coded or plain value. */
export function valueText(observation: Json): string | undefined {
  const quantity = quantityOf(observation.valueQuantity);
  if (quantity) return `${quantity.value} ${quantity.unit}`.trim();
  if (Array.isArray(observation.component)) {
    const parts = observation.component.map((c: Json) => quantityOf(c.valueQuantity)?.value).filter((v: unknown) => v !== undefined);
    if (parts.length > 0) return `${parts.join('/')} ${observation.component[0]?.valueQuantity?.unit ?? ''}`.trim();
  }
  if (typeof observation.valueString === 'string') return observation.valueString;
  return conceptText(observation.valueCodeableConcept);
}

// HL7 v3 ObservationInterpretation (http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation).
const INTERPRETATION: Record<string, Flag> = { H: 'high', HU: 'high', '>': 'high', L: 'low', LU: 'low', '<': 'low', A: 'abnormal', AA: 'critical', HH: 'critical', LL: 'critical', POS: 'abnormal', DET: 'abnormal' };

/**
 * Out of range: the interpretation the source gave wins; without one, the value is compared with the
 * reference range when both are in the same unit.
 */
export function flagOf(observation: Json): Flag | undefined {
  for (const concept of observation.interpretation ?? []) {
    for (const coding of concept?.coding ?? []) {
      if (coding?.code === 'N') return undefined;
      const flag = INTERPRETATION[coding?.code];
      if (flag) return flag;
    }
  }
  const quantity = quantityOf(observation.valueQuantity);
  const range = observation.referenceRange?.[0];
  if (!quantity || !range) return undefined;
  const low = quantityOf(range.low);
  const high = quantityOf(range.high);
  const sameUnit = (bound: Quantity | undefined) => bound && (bound.code ?? bound.unit) === (quantity.code ?? quantity.unit);
  if (low && sameUnit(low) && quantity.value < low.value) return 'low';
  if (high && sameUnit(high) && quantity.value > high.value) return 'high';
  return undefined;
}

export function loincOf(concept: Json | undefined): string | undefined {
  return concept?.coding?.find((c: Json) => c?.system === 'http://loinc.org')?.code;
}
