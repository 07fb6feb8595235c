// One readable line per record, per resource type (FHIR R4 element names). Anything unknown falls
// back to "resourceType/id", so a new type is still listed.
import { formatDate } from '../format.ts';

// FHIR JSON as it comes: a loose object; each summariser picks the elements it knows.
export type Json = Record<string, unknown>;
type Concept = { text?: string; coding?: { display?: string; code?: string; system?: string }[] };
type Quantity = { value?: number; unit?: string; code?: string; comparator?: string };

const obj = (value: unknown): Json | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

/** CodeableConcept → its text, else the first coding's display, else its code. */
export function conceptText(value: unknown): string | undefined {
  const concept = obj(first(value)) as Concept | undefined;
  if (!concept) return undefined;
  const coding = concept.coding?.find((c) => c.display) ?? concept.coding?.[0];
  return concept.text ?? coding?.display ?? coding?.code;
}

export function quantityText(value: unknown): string | undefined {
  const quantity = obj(value) as Quantity | undefined;
  if (!quantity || quantity.value === undefined) return undefined;
  return [quantity.comparator ?? '', String(quantity.value), quantity.unit ?? quantity.code ?? ''].join(' ').replace(/^ /, '').trim();
}

export function periodText(value: unknown): string | undefined {
  const period = obj(value);
  if (!period) return undefined;
  const start = formatDate(str(period.start));
  const end = formatDate(str(period.end));
  if (start && end && start !== end) return `${start} – ${end}`;
  return start || end || undefined;
}

export function humanName(value: unknown): string | undefined {
  const name = obj(first(value));
  if (!name) return undefined;
  if (str(name.text)) return str(name.text);
  const given = Array.isArray(name.given) ? name.given.filter((g) => typeof g === 'string').join(' ') : '';
  return [given, str(name.family) ?? ''].join(' ').trim() || undefined;
}

/** value[x] of Observation and friends. */
function valueText(resource: Json): string | undefined {
  if (resource.valueQuantity) return quantityText(resource.valueQuantity);
  if (resource.valueCodeableConcept) return conceptText(resource.valueCodeableConcept);
  for (const key of ['valueString', 'valueBoolean', 'valueInteger', 'valueDateTime']) if (resource[key] !== undefined) return String(resource[key]);
  if (Array.isArray(resource.component)) {
    const parts = resource.component.map((c) => [conceptText(obj(c)?.code), quantityText(obj(c)?.valueQuantity)].filter(Boolean).join(' ')).filter(Boolean);
    return parts.join(', ') || undefined;
  }
  return undefined;
}

const date = (value: unknown) => formatDate(str(value));
/** effective[x] / onset[x] / occurrence[x] / performed[x]: a dateTime or a Period. */
const when = (resource: Json, prefix: string) => date(resource[`${prefix}DateTime`]) || periodText(resource[`${prefix}Period`]) || str(resource[`${prefix}String`]);

const SUMMARISERS: Record<string, (r: Json) => (string | undefined)[]> = {
  Observation: (r) => [conceptText(r.code), valueText(r), when(r, 'effective') || date(r.issued)],
  Condition: (r) => [conceptText(r.code), when(r, 'onset') && `since ${when(r, 'onset')}`, conceptText(r.clinicalStatus)],
  MedicationRequest: (r) => [conceptText(r.medicationCodeableConcept) ?? str(obj(r.medicationReference)?.display), date(r.authoredOn), str(r.status)],
  Encounter: (r) => [conceptText(r.type) ?? str(obj(r.class)?.display) ?? str(obj(r.class)?.code), periodText(r.period)],
  Immunization: (r) => [conceptText(r.vaccineCode), date(r.occurrenceDateTime) || str(r.occurrenceString)],
  Procedure: (r) => [conceptText(r.code), when(r, 'performed')],
  AllergyIntolerance: (r) => [conceptText(r.code), conceptText(r.clinicalStatus), str(r.criticality) && `criticality ${str(r.criticality)}`],
  DiagnosticReport: (r) => [conceptText(r.code), when(r, 'effective') || date(r.issued), str(r.status)],
  Patient: (r) => [humanName(r.name), date(r.birthDate) && `born ${date(r.birthDate)}`, str(r.gender)],
  Practitioner: (r) => [humanName(r.name)],
  Organization: (r) => [str(r.name)],
  Location: (r) => [str(r.name)],
  Device: (r) => [str(obj(first(r.deviceName))?.name) ?? conceptText(r.type)],
  DocumentReference: (r) => [conceptText(r.type), date(r.date)],
  CarePlan: (r) => [conceptText(r.category), periodText(r.period)],
  Claim: (r) => [conceptText(r.type), periodText(r.billablePeriod)],
};

/** The one-line summary of a record. */
export function summarise(resource: Json): string {
  const type = str(resource.resourceType) ?? 'Resource';
  const parts = (SUMMARISERS[type]?.(resource) ?? []).filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(' · ') : `${type}/${str(resource.id) ?? '?'}`;
}
