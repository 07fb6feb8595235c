import type { Resource } from '@medplum/fhirtypes';
import type { ProviderBehaviours } from './behaviours.ts';
import type { Dataset, DatasetPatient } from './dataset.ts';

/**
 * Behaviours that change what a record looks like are applied as it leaves the server, never to
 * the stored copy, so a test can switch them on and off between requests.
 */

function numberOf(id: string | undefined): number {
  const match = /-(\d+)$/.exec(id ?? '');
  return match ? Number(match[1]) : 0;
}

/** The second host's id for the inline attachment `index` of a DocumentReference (binaryOnSecondHost). */
export function attachmentBinaryId(documentReferenceId: string, index: number): string {
  return `attachment-${documentReferenceId}-${index}`;
}

/** The DocumentReference id and content index an {@link attachmentBinaryId} names, if it is one. */
export function parseAttachmentBinaryId(id: string): { documentReferenceId: string; index: number } | undefined {
  const match = /^attachment-(.+)-(\d+)$/.exec(id);
  return match ? { documentReferenceId: match[1]!, index: Number(match[2]) } : undefined;
}

export interface TransformContext {
  behaviours: ProviderBehaviours;
  dataset: Dataset;
  patient: DatasetPatient;
  secondHostBaseUrl: string;
  /** First Observation and Condition ids of each patient, computed once (foreignReference, enteredInError). */
  firsts: Map<string, { Observation?: string; Condition?: string }>;
}

/** Which records read as entered-in-error under that behaviour: every 10th Observation, the first Condition. */
export function isEnteredInError(resource: Resource, context: TransformContext): boolean {
  if (resource.resourceType === 'Observation') return numberOf(resource.id) % 10 === 0;
  return resource.resourceType === 'Condition' && resource.id === context.firsts.get(context.patient.id)?.Condition;
}

export function transformOutgoing(resource: Resource, context: TransformContext): Resource {
  const { behaviours } = context;
  let out = resource;
  if (behaviours.enteredInError && isEnteredInError(resource, context)) {
    if (out.resourceType === 'Observation') out = { ...out, status: 'entered-in-error' };
    if (out.resourceType === 'Condition') {
      out = { ...out, verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] } };
    }
  }
  if (behaviours.binaryOnSecondHost && out.resourceType === 'DocumentReference') {
    const documentId = out.id ?? '';
    out = {
      ...out,
      content: out.content.map((content, index) => {
        const { data, ...attachment } = content.attachment;
        // A Binary of ours keeps its id; inline text moves out to a Binary named after its place.
        const binaryId = attachment.url?.startsWith('Binary/') ? attachment.url.slice('Binary/'.length) : data !== undefined ? attachmentBinaryId(documentId, index) : undefined;
        if (!binaryId) return content;
        return { ...content, attachment: { ...attachment, url: `${context.secondHostBaseUrl}/Binary/${binaryId}` } };
      }),
    };
  }
  if (behaviours.foreignReference && out.resourceType === 'Observation' && out.id === context.firsts.get(context.patient.id)?.Observation) {
    const other = context.dataset.patients.find((candidate) => candidate.id !== context.patient.id);
    const foreign = other ? context.firsts.get(other.id)?.Observation : undefined;
    if (foreign) out = { ...out, derivedFrom: [...(out.derivedFrom ?? []), { reference: `Observation/${foreign}` }] };
  }
  return out;
}
