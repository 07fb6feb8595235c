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
    out = {
      ...out,
      content: out.content.map((content) => {
        const binaryId = content.attachment.url?.startsWith('Binary/') ? content.attachment.url.slice('Binary/'.length) : undefined;
        if (!binaryId) return content;
        return { ...content, attachment: { ...content.attachment, url: `${context.secondHostBaseUrl}/Binary/${binaryId}` } };
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
