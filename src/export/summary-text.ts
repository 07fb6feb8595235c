import type { Resource } from '@medplum/fhirtypes';
import { dateOf, SUMMARY_SECTIONS, type SummaryData, type SummarySection } from './summary-data.ts';

/** One line of a printed summary. */
export interface SummaryRow {
  text: string;
  detail: string;
  /** YYYY-MM-DD, or empty. */
  date: string;
}

export const SECTION_TITLES: Record<SummarySection, string> = {
  allergies: 'Allergies and intolerances',
  problems: 'Problems',
  medications: 'Medications',
  immunizations: 'Immunisations',
  results: 'Recent results',
  procedures: 'Procedures',
};

type Json = Record<string, any>;

/** What a person reads for a CodeableConcept: its text, else the first display, else the first code. */
export function conceptText(concept: unknown): string {
  const value = concept as Json | undefined;
  if (!value) return '';
  if (typeof value.text === 'string' && value.text.trim() !== '') return value.text;
  for (const coding of value.coding ?? []) if (typeof coding?.display === 'string') return coding.display;
  for (const coding of value.coding ?? []) if (typeof coding?.code === 'string') return coding.code;
  return '';
}

const statusOf = (concept: unknown) => conceptText(concept);

function valueText(record: Json): string {
  const quantity = record.valueQuantity;
  if (quantity && typeof quantity.value === 'number') return `${quantity.value}${quantity.unit ? ` ${quantity.unit}` : quantity.code ? ` ${quantity.code}` : ''}`;
  if (record.valueCodeableConcept) return conceptText(record.valueCodeableConcept);
  if (typeof record.valueString === 'string') return record.valueString;
  if (typeof record.valueBoolean === 'boolean') return record.valueBoolean ? 'yes' : 'no';
  if (Array.isArray(record.component)) {
    return record.component
      .map((part: Json) => `${conceptText(part.code)} ${valueText(part)}`.trim())
      .filter(Boolean)
      .join(', ');
  }
  return '';
}

function medicationText(record: Json, referenced: Map<string, Json>): string {
  if (record.medicationCodeableConcept) return conceptText(record.medicationCodeableConcept);
  const medication = referenced.get(record.medicationReference?.reference ?? '');
  return medication ? conceptText(medication.code) : (record.medicationReference?.display ?? '');
}

function rowOf(section: SummarySection, record: Json, referenced: Map<string, Json>): SummaryRow {
  const date = dateOf(record).slice(0, 10);
  switch (section) {
    case 'allergies': {
      const reactions = (record.reaction ?? []).flatMap((reaction: Json) => (reaction.manifestation ?? []).map(conceptText)).filter(Boolean);
      const criticality = typeof record.criticality === 'string' ? `criticality ${record.criticality}` : '';
      return { text: conceptText(record.code), detail: [reactions.join(', '), criticality].filter(Boolean).join('; '), date };
    }
    case 'problems':
      return { text: conceptText(record.code), detail: statusOf(record.clinicalStatus), date };
    case 'medications':
      return { text: medicationText(record, referenced), detail: record.dosageInstruction?.[0]?.text ?? record.dosage?.[0]?.text ?? '', date };
    case 'immunizations':
      return { text: conceptText(record.vaccineCode), detail: '', date };
    case 'results': {
      const interpretation = (record.interpretation ?? []).map(conceptText).filter(Boolean).join(', ');
      return { text: conceptText(record.code), detail: [valueText(record), interpretation].filter(Boolean).join(' '), date };
    }
    case 'procedures':
      return { text: conceptText(record.code), detail: '', date };
  }
}

/** The summary as lines per section, for the HTML print view, the PDF and the IPS narratives. */
export function summaryRows(data: SummaryData): Record<SummarySection, SummaryRow[]> {
  const referenced = new Map(data.referenced.map((resource) => [`${resource.resourceType}/${resource.id}`, resource as Json]));
  return Object.fromEntries(
    SUMMARY_SECTIONS.map((section) => [section, data.sections[section].map((record: Resource) => rowOf(section, record as Json, referenced))]),
  ) as Record<SummarySection, SummaryRow[]>;
}

/** The patient's name and birth date as printed at the top. */
export function patientLine(patient: Resource | undefined, fallbackName: string): { name: string; birthDate: string } {
  const record = patient as Json | undefined;
  const name = record?.name?.[0];
  const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
  return { name: (typeof text === 'string' && text.trim()) || fallbackName, birthDate: typeof record?.birthDate === 'string' ? record.birthDate : '' };
}
