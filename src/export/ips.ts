import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Composition, CompositionSection, Device, Patient, Resource } from '@medplum/fhirtypes';
import { HEARTH_VERSION } from '../version.ts';
import { SUMMARY_SECTIONS, type SummaryData, type SummarySection } from './summary-data.ts';
import { SECTION_TITLES, summaryRows, type SummaryRow } from './summary-text.ts';

const LOINC = 'http://loinc.org';

/**
 * The IPS sections and their LOINC codes (HL7 FHIR IPS IG 1.1.0, Composition-uv-ips:
 * sectionAllergies, sectionProblems, sectionMedications, sectionImmunizations, sectionResults,
 * sectionProceduresHx). Allergies, problems and medications are required; an empty one carries an
 * emptyReason instead of entries.
 */
export const IPS_SECTION_CODES: Record<SummarySection, { code: string; display: string; required: boolean }> = {
  allergies: { code: '48765-2', display: 'Allergies and adverse reactions Document', required: true },
  problems: { code: '11450-4', display: 'Problem list - Reported', required: true },
  medications: { code: '10160-0', display: 'History of Medication use Narrative', required: true },
  immunizations: { code: '11369-6', display: 'History of Immunization Narrative', required: false },
  results: { code: '30954-2', display: 'Relevant diagnostic tests/laboratory data Narrative', required: false },
  procedures: { code: '47519-4', display: 'History of Procedures Document', required: false },
};
/** LOINC 60591-5: the IPS Composition.type. */
const PATIENT_SUMMARY = { system: LOINC, code: '60591-5', display: 'Patient summary Document' };

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A section's narrative (R4 narrative.html: xhtml in a div; generated from the entries). */
function narrative(rows: SummaryRow[]): CompositionSection['text'] {
  const items = rows.map((row) => `<li>${escapeXml([row.text || '(unnamed)', row.detail, row.date].filter(Boolean).join(' — '))}</li>`);
  const body = items.length > 0 ? `<ul>${items.join('')}</ul>` : '<p>No information available.</p>';
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${body}</div>` };
}

export interface IpsOptions {
  /** The person's FHIR base (`…/fhir/<personId>`): full URLs of the entries, so their `Type/id` references resolve. */
  base: string;
  /** For a vault without a Patient record: the person's name on a Patient made for the document. */
  personName: string;
  personId: string;
  now: Date;
}

/**
 * An International Patient Summary: a FHIR `document` Bundle (R4 documents.html) whose first entry
 * is the Composition, followed by the Patient, the author and every resource the sections list.
 * The author is Hearth itself (a Device): the summary is generated, not signed by a clinician.
 */
export function ipsBundle(data: SummaryData, options: IpsOptions): Bundle {
  const fullUrl = (resource: Resource) => `${options.base}/${resource.resourceType}/${resource.id}`;
  const patient: Resource = data.patient ?? ({ resourceType: 'Patient', id: options.personId, name: [{ text: options.personName }] } satisfies Patient);
  const device: Device = { resourceType: 'Device', id: 'hearth', deviceName: [{ name: 'Hearth', type: 'manufacturer-name' }], version: [{ value: HEARTH_VERSION }] };
  const rows = summaryRows(data);
  const reference = (resource: Resource) => ({ reference: `${resource.resourceType}/${resource.id}` });

  const sections: CompositionSection[] = SUMMARY_SECTIONS.filter((section) => IPS_SECTION_CODES[section].required || data.sections[section].length > 0).map((section) => {
    const { code, display } = IPS_SECTION_CODES[section];
    const entries = data.sections[section];
    return {
      title: SECTION_TITLES[section],
      code: { coding: [{ system: LOINC, code, display }] },
      text: narrative(rows[section]),
      ...(entries.length > 0
        ? { entry: entries.map(reference) }
        : { emptyReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'unavailable', display: 'Unavailable' }] } }),
    };
  });

  const composition: Composition = {
    resourceType: 'Composition',
    id: randomUUID(),
    status: 'final',
    type: { coding: [PATIENT_SUMMARY] },
    subject: reference(patient),
    date: options.now.toISOString(),
    author: [reference(device)],
    title: `Patient summary of ${options.personName}`,
    section: sections,
  };
  const resources: Resource[] = [composition, patient, device, ...SUMMARY_SECTIONS.flatMap((section) => data.sections[section]), ...data.referenced];
  const seen = new Set<string>();
  const entry: BundleEntry[] = [];
  for (const resource of resources) {
    const key = `${resource.resourceType}/${resource.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entry.push({ fullUrl: fullUrl(resource), resource });
  }
  return {
    resourceType: 'Bundle',
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` },
    type: 'document',
    timestamp: options.now.toISOString(),
    entry,
  };
}
