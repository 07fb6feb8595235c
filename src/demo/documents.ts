import type { Binary, DocumentReference, Encounter, Organization, Practitioner, Reference } from '@medplum/fhirtypes';
import { clinicianName } from './care-team.ts';
import { DOCUMENT_TYPES, SYSTEM, type DocumentTypeKey } from './catalog.ts';
import type { PersonContext } from './context.ts';
import { base64, byteLength, hl7, referenceTo } from './fhir-shapes.ts';
import { MINUTE, ageInYears, formatDate, formatDateTime } from './time.ts';

/**
 * Clinical notes as DocumentReferences with a plain-text attachment. Most carry the text inline
 * (attachment.data); longer documents such as discharge summaries live in a Binary that the
 * attachment points at (attachment.url "Binary/<id>"), which is how EHR document APIs usually serve
 * them. The Binary comes first in the stream so the reference points backwards.
 */

export interface NoteInput {
  type: DocumentTypeKey;
  visitTitle: string;
  start: number;
  end: number;
  author: Practitioner;
  custodian: Organization;
  encounter: Reference<Encounter>;
  reason: string;
  vitals: string[];
  results: string[];
  assessment: string[];
  prescriptions: string[];
  procedures: string[];
  immunizations: string[];
  plan: string;
  asBinary: boolean;
}

function section(title: string, lines: string[]): string {
  if (lines.length === 0) return '';
  return lines.length === 1 ? `${title}: ${lines[0]}\n` : `${title}:\n${lines.map((line) => `  - ${line}`).join('\n')}\n`;
}

function noteText(ctx: PersonContext, input: NoteInput): string {
  const document = DOCUMENT_TYPES[input.type];
  const age = Math.floor(ageInYears(ctx.birth, input.start));
  const author = clinicianName(input.author);
  return [
    `${document.text.toUpperCase()} — ${input.visitTitle}\n`,
    `Date: ${formatDateTime(input.start).slice(0, 16).replace('T', ' ')}\n`,
    `Patient: ${ctx.plan.name} (DOB ${ctx.plan.birthDate}, ${age} y, ${ctx.plan.gender})\n`,
    `Clinician: ${author}\n`,
    `Location: ${input.custodian.name ?? 'Clinic'}\n\n`,
    `Reason for visit: ${input.reason}\n`,
    section('Vital signs', input.vitals),
    section('Results', input.results),
    section('Assessment', input.assessment),
    section('Medications prescribed', input.prescriptions),
    section('Procedures', input.procedures),
    section('Immunizations given', input.immunizations),
    `Plan: ${input.plan}\n\n`,
    `Electronically signed by ${author} on ${formatDate(input.end)}.\n`,
  ].join('');
}

export function noteResources(ctx: PersonContext, input: NoteInput): Array<Binary | DocumentReference> {
  const random = ctx.random;
  const document = DOCUMENT_TYPES[input.type];
  const text = noteText(ctx, input);
  const data = base64(text);
  const signed = input.end + random.int(5, 90) * MINUTE;
  const title = `${document.text} — ${input.visitTitle}`;
  const binary: Binary | undefined = input.asBinary
    ? { resourceType: 'Binary', id: random.uuid(), contentType: 'text/plain', securityContext: { ...ctx.patient }, data }
    : undefined;
  const reference: DocumentReference = {
    resourceType: 'DocumentReference',
    id: random.uuid(),
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: SYSTEM.loinc, code: document.code, display: document.display }], text: document.text },
    category: [hl7(SYSTEM.documentCategory, 'clinical-note', 'Clinical Note')],
    subject: ctx.patient,
    date: formatDateTime(signed),
    author: [referenceTo(input.author, clinicianName(input.author))],
    authenticator: referenceTo(input.author, clinicianName(input.author)),
    custodian: referenceTo(input.custodian, input.custodian.name),
    description: title,
    content: [{
      attachment: {
        contentType: 'text/plain',
        language: 'en-US',
        ...(binary ? { url: `Binary/${binary.id}` } : { data }),
        size: byteLength(text),
        title,
        creation: formatDateTime(signed),
      },
    }],
    context: {
      encounter: [input.encounter],
      period: { start: formatDateTime(input.start), end: formatDateTime(input.end) },
    },
  };
  return binary ? [binary, reference] : [reference];
}
