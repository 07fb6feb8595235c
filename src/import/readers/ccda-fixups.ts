import { mapCcdaCodeToCodeableConcept, type CcdaCode } from '@medplum/ccda';
import { PRECISION_MARKER, type PreparedCcda } from './ccda-prepare.ts';
import { asArray, narrativeToXhtml } from './ccda-narrative.ts';

/**
 * Repairs of what @medplum/ccda 4.5.2 (convertCcdaToFhir) gets wrong, applied to its output Bundle.
 * Each fix names the fault; the tests in ccda-reader.test.ts check the result with validateFhirResource
 * and against the values in the source document. (Random ids and broken timestamps are repaired before
 * conversion, in ccda-prepare.ts.)
 */

type Json = Record<string, unknown>;

const UCUM = 'http://unitsofmeasure.org';
const SNOMED_OID = '2.16.840.1.113883.6.96';
const INTERPRETATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

// Fix: code systems the converter leaves as `urn:oid:` or maps to a non-canonical URL. CVX: its table
// lists `http://nucc.org/cvx` before the canonical `http://hl7.org/fhir/sid/cvx` and takes the first.
const SYSTEMS: Record<string, string> = {
  'http://nucc.org/cvx': 'http://hl7.org/fhir/sid/cvx',
  'urn:oid:2.16.840.1.113883.6.90': 'http://hl7.org/fhir/sid/icd-10-cm',
  'urn:oid:2.16.840.1.113883.6.3': 'http://hl7.org/fhir/sid/icd-10',
  'urn:oid:2.16.840.1.113883.6.103': 'http://hl7.org/fhir/sid/icd-9-cm',
  'urn:oid:2.16.840.1.113883.6.8': UCUM,
  'urn:oid:2.16.840.1.113883.5.83': INTERPRETATION_SYSTEM,
  'urn:oid:2.16.840.1.113883.5.4': 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  'urn:oid:2.16.840.1.113883.6.101': 'http://nucc.org/provider-taxonomy',
};

// AllergyIntolerance category and type from the Allergy - Intolerance Observation value
// (C-CDA R2.1 §3.5, value set Allergy and Intolerance Type 2.16.840.1.113883.3.88.12.3221.6.2).
const ALLERGY_KINDS: Record<string, { category?: string; type?: string }> = {
  '414285001': { category: 'food', type: 'allergy' },
  '235719002': { category: 'food', type: 'intolerance' },
  '418471000': { category: 'food' },
  '416098002': { category: 'medication', type: 'allergy' },
  '59037007': { category: 'medication', type: 'intolerance' },
  '419511003': { category: 'medication' },
  '426232007': { category: 'environment', type: 'allergy' },
  '419199007': { type: 'allergy' },
  '418038007': {},
  '420134006': {},
};

export function fixConvertedBundle(bundle: Json, ccda: Json, prepared: PreparedCcda, narrative: Map<string, string>): Json {
  const entries = asArray(bundle['entry']) as Json[];
  for (const entry of entries) {
    const resource = entry['resource'] as Json;
    const element = typeof resource['id'] === 'string' ? prepared.elements.get(resource['id']) : undefined;
    switch (resource['resourceType']) {
      case 'Composition':
        fixComposition(resource, ccda, entries);
        break;
      case 'Patient':
        // Fix: birthDate is always padded to a full date (`1958` → `1958-01-01`).
        if (prepared.birthDate !== undefined) resource['birthDate'] = prepared.birthDate;
        break;
      case 'AllergyIntolerance':
        if (element) fixAllergy(resource, element);
        break;
      case 'MedicationRequest':
        if (element) fixMedicationRequest(resource, element, narrative);
        break;
      case 'Immunization':
        if (element) fixImmunization(resource, element);
        break;
      case 'Observation':
        if (element) fixObservation(resource, element, narrative);
        break;
    }
  }
  for (const entry of entries) {
    // Fix: Condition and MedicationRequest claim US Core profiles in meta.profile that the converter
    // never checks (US Core MedicationRequest requires a requester it does not map). A conformance claim
    // is for whoever validates against the profile to make, so it is dropped.
    delete (entry['resource'] as Json)['meta'];
    fixValues(entry['resource']);
    prune(entry['resource']);
  }
  bundle['entry'] = mergeDuplicates(entries);
  return bundle;
}

function fixComposition(composition: Json, ccda: Json, entries: Json[]): void {
  // Fix: a document that names no author is attributed to "Medplum" (the converter's placeholder).
  // Author is required, so it says the author is unknown instead (data-absent-reason, FHIR R4 §2.1.0.4).
  if (asArray(ccda['author']).length === 0) {
    composition['author'] = [{ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] }];
  }
  // Fix: the Composition has no subject, though the document is about one patient.
  const patient = entries.find((entry) => (entry['resource'] as Json)['resourceType'] === 'Patient')?.['resource'] as Json | undefined;
  if (patient && composition['subject'] === undefined) composition['subject'] = { reference: `Patient/${patient['id'] as string}` };
  // Fix: section narrative is CDA markup (`<list>`, `<item>`, `ID=`, anything the sender wrote, scripts
  // included) copied into Narrative.div; FHIR allows only basic XHTML there (txt-1). Rebuilt from the
  // parsed CDA with a whitelist. The converter emits one section per CDA section, in document order.
  const structuredBody = (ccda['component'] as Json | undefined)?.['structuredBody'] as Json | undefined;
  const cdaSections = asArray(structuredBody?.['component']).flatMap((component) => asArray((component as Json)['section'])) as Json[];
  const sections = asArray(composition['section']) as Json[];
  sections.forEach((section, index) => {
    const div = narrativeToXhtml(cdaSections[index]?.['text']);
    // A section with neither text nor entries breaks cmp-1, so an empty one says so in words.
    const fallback = asArray(section['entry']).length === 0 ? '<div xmlns="http://www.w3.org/1999/xhtml">No information in the source document.</div>' : undefined;
    const text = div ?? fallback;
    if (text === undefined) delete section['text'];
    else section['text'] = { status: 'generated', div: text };
  });
}

function fixAllergy(allergy: Json, act: Json): void {
  // Fix: every allergy is filed as category `food` (hard-coded), so a penicillin allergy reads as a
  // food allergy. Category and type come from the observation's value; unknown kinds get neither.
  const observation = asArray(act['entryRelationship'])
    .filter((relationship) => (relationship as Json)['@_typeCode'] === 'SUBJ')
    .flatMap((relationship) => asArray((relationship as Json)['observation']))[0] as Json | undefined;
  const value = observation?.['value'] as Json | undefined;
  const kind = value?.['@_codeSystem'] === SNOMED_OID ? ALLERGY_KINDS[String(value['@_code'])] : undefined;
  delete allergy['category'];
  delete allergy['type'];
  if (kind?.category) allergy['category'] = [kind.category];
  if (kind?.type) allergy['type'] = kind.type;
}

function fixMedicationRequest(request: Json, substanceAdministration: Json, narrative: Map<string, string>): void {
  const dosage = asArray(request['dosageInstruction'])[0] as Json | undefined;
  if (!dosage) return;
  // Fix: every dose is written as international units (`code: '[IU]'` hard-coded), so "10 mg" reads
  // "10 [IU]". The dose is taken from doseQuantity with its own unit (none means "1 of the product").
  const dose = quantity(substanceAdministration['doseQuantity']);
  if (dose) dosage['doseAndRate'] = [{ doseQuantity: dose }];
  else delete dosage['doseAndRate'];
  // Fix: the patient instructions (Medication Free Text Sig, 2.16.840.1.113883.10.20.22.4.147) are only
  // kept as a pointer into the narrative; the pointed-to text becomes Dosage.text.
  if (dosage['text'] === undefined) {
    const sig = referencedText(dosage['extension'], narrative);
    if (sig !== undefined) dosage['text'] = sig;
  }
}

function fixImmunization(immunization: Json, substanceAdministration: Json): void {
  // Fix: the dose given and the route are dropped.
  const dose = quantity(substanceAdministration['doseQuantity']);
  if (dose && immunization['doseQuantity'] === undefined) immunization['doseQuantity'] = dose;
  const routeCode = substanceAdministration['routeCode'] as CcdaCode | undefined;
  if (routeCode && !routeCode['@_nullFlavor'] && immunization['route'] === undefined) {
    const route = mapCcdaCodeToCodeableConcept(routeCode);
    if (route) immunization['route'] = route;
  }
}

function fixObservation(observation: Json, element: Json, narrative: Map<string, string>): void {
  // Fix: reference ranges keep only a narrative pointer and lose low/high, which breaks obs-3 ("must
  // have at least a low or a high or text"). Rebuilt from observationRange (IVL_PQ low/high, text).
  const ranges = asArray(element['referenceRange']).map((range) => referenceRange((range as Json)['observationRange'] as Json | undefined, narrative));
  const kept = ranges.filter((range): range is Json => range !== undefined);
  if (kept.length > 0) observation['referenceRange'] = kept;
  else delete observation['referenceRange'];
  // Fix: the interpretation (H, L, N, …: v3 ObservationInterpretation) is dropped.
  const interpretation = asArray(element['interpretationCode'])
    .map((code) => code as Json)
    .filter((code) => typeof code['@_code'] === 'string' && !code['@_nullFlavor'])
    .map((code) => ({ coding: [{ system: INTERPRETATION_SYSTEM, code: code['@_code'] as string }] }));
  if (interpretation.length > 0 && observation['interpretation'] === undefined) observation['interpretation'] = interpretation;
}

function referenceRange(range: Json | undefined, narrative: Map<string, string>): Json | undefined {
  if (!range) return undefined;
  const value = range['value'] as Json | undefined;
  const result: Json = {};
  const low = quantity(value?.['low']);
  const high = quantity(value?.['high']);
  if (low) result['low'] = low;
  if (high) result['high'] = high;
  const text = range['text'];
  const reference = ((text as Json | undefined)?.['reference'] as Json | undefined)?.['@_value'];
  const words = typeof text === 'string' ? text : typeof reference === 'string' ? narrative.get(reference.replace(/^#/, '')) : undefined;
  if (words !== undefined && words.trim() !== '') result['text'] = words.trim();
  return Object.keys(result).length > 0 ? result : undefined;
}

/** A FHIR Quantity from a CDA PQ; a missing or `1` unit means a plain count. */
function quantity(pq: unknown): Json | undefined {
  const element = asArray(pq)[0] as Json | undefined;
  const raw = element?.['@_value'];
  if (typeof raw !== 'string' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw.trim())) return undefined;
  const result: Json = { value: Number(raw) };
  const unit = element?.['@_unit'];
  if (typeof unit === 'string' && unit !== '' && unit !== '1') Object.assign(result, { unit, system: UCUM, code: unit });
  return result;
}

function referencedText(extensions: unknown, narrative: Map<string, string>): string | undefined {
  for (const extension of asArray(extensions) as Json[]) {
    const pointer = extension['valueString'];
    if (typeof pointer === 'string' && pointer.startsWith('#')) return narrative.get(pointer.slice(1));
  }
  return undefined;
}

/** String-level fixes everywhere in a resource (dates, code systems, identifiers). */
function fixValues(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => {
      if (typeof item === 'string') node[index] = fixDate(item);
      else fixValues(item);
    });
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Json;
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string') record[key] = key === 'system' ? (SYSTEMS[value] ?? value) : fixDate(value);
    else fixValues(value);
  }
  // Fix: a root-only CDA id is the identifier itself (CDA R2 II: root alone is unique), but becomes
  // an Identifier with a system and no value. It is kept as the URI it is.
  if (typeof record['system'] === 'string' && record['system'].startsWith('urn:oid:') && record['value'] === undefined && isIdentifierLike(record)) {
    record['value'] = record['system'];
    record['system'] = 'urn:ietf:rfc:3986';
  }
  // Fix: the "Insurance Type Code" system maps to an empty string, which FHIR forbids.
  if (record['system'] === '') delete record['system'];
}

function isIdentifierLike(record: Json): boolean {
  return record['code'] === undefined && record['display'] === undefined && Object.keys(record).every((key) => ['system', 'value', 'use', 'type'].includes(key));
}

/** Undoes the precision marker of ccda-prepare.ts and adds the colon FHIR wants in a zone offset. */
function fixDate(value: string): string {
  const marked = PRECISION_MARKER.exec(value);
  if (marked) {
    const [, year, month, day, precision] = marked;
    return precision === 'Y' ? `${year}` : precision === 'M' ? `${year}-${month}` : `${year}-${month}-${day}`;
  }
  const zoned = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})([+-]\d{2})(\d{2})$/.exec(value);
  return zoned ? `${zoned[1]}${zoned[2]}:${zoned[3]}` : value;
}

/**
 * Fix: the converter writes `undefined`, empty arrays (`identifier: []`) and empty objects
 * (`timing: {}`) where it had nothing, and FHIR forbids empty elements (ele-1). Removed bottom-up.
 */
function prune(node: unknown): boolean {
  if (Array.isArray(node)) {
    for (let i = node.length - 1; i >= 0; i--) if (prune(node[i])) node.splice(i, 1);
    return node.length === 0;
  }
  if (node === undefined || node === null || node === '') return true;
  if (typeof node !== 'object') return false;
  const record = node as Json;
  for (const key of Object.keys(record)) if (prune(record[key])) delete record[key];
  return Object.keys(record).length === 0;
}

/**
 * Fix: a person or organisation named in several places (the author of the document and of each
 * entry) comes out once per mention; with stable ids they now share one id, so the copies are merged
 * into the first, filling in what it lacks.
 */
function mergeDuplicates(entries: Json[]): Json[] {
  const seen = new Map<string, Json>();
  const kept: Json[] = [];
  for (const entry of entries) {
    const resource = entry['resource'] as Json;
    const key = `${resource['resourceType'] as string}/${resource['id'] as string}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, resource);
      kept.push(entry);
      continue;
    }
    for (const [field, value] of Object.entries(resource)) if (first[field] === undefined) first[field] = value;
  }
  return kept;
}
