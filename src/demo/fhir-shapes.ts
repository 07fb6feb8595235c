import type { CodeableConcept, Coding, Quantity, Reference, Resource } from '@medplum/fhirtypes';
import { SYSTEM, type Concept } from './catalog.ts';

/** Relative literal reference (R4 §2.3.0.1 "Type/id"), the only form the demo streams use. */
export function referenceTo<T extends Resource>(resource: T, display?: string): Reference<T> {
  if (!resource.id) throw new Error(`${resource.resourceType} has no id to reference`);
  return display === undefined
    ? { reference: `${resource.resourceType}/${resource.id}` }
    : { reference: `${resource.resourceType}/${resource.id}`, display };
}

export function coding(system: string, concept: Concept): Coding {
  return { system, code: concept.code, display: concept.display };
}

export function concept(system: string, value: Concept, text: string): CodeableConcept {
  return { coding: [coding(system, value)], text };
}

export function ucum(value: number, unit: string, code: string = unit): Quantity {
  return { value, unit, system: SYSTEM.ucum, code };
}

/** A CodeableConcept from one of the small fixed HL7 code systems (status, category...). */
export function hl7(system: string, code: string, display: string): CodeableConcept {
  return { coding: [{ system, code, display }] };
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

/** Piecewise-linear curve through (time, value) points; flat before the first and after the last. */
export type Curve = (time: number) => number;

export function curve(points: ReadonlyArray<readonly [number, number]>): Curve {
  const sorted = [...points].sort((left, right) => left[0] - right[0]);
  if (sorted.length === 0) throw new Error('a curve needs at least one point');
  return (time) => {
    let previous = sorted[0]!;
    if (time <= previous[0]) return previous[1];
    for (let index = 1; index < sorted.length; index++) {
      const point = sorted[index]!;
      if (time <= point[0]) {
        const span = point[0] - previous[0];
        return span === 0 ? point[1] : previous[1] + ((time - previous[0]) / span) * (point[1] - previous[1]);
      }
      previous = point;
    }
    return previous[1];
  };
}

export function constant(value: number): Curve {
  return () => value;
}

/** UTF-8 text as base64 (Attachment.data, Binary.data). */
export function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

