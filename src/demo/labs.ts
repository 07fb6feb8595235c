import type { DiagnosticReport, Encounter, Observation, Practitioner, Reference } from '@medplum/fhirtypes';
import { SYSTEM } from './catalog.ts';
import type { PersonContext } from './context.ts';
import { hl7, referenceTo, ucum } from './fhir-shapes.ts';
import { LAB_PANELS, LAB_TESTS, type LabPanelKey } from './lab-catalog.ts';
import { interpret, specimenSampler } from './lab-values.ts';
import { HOUR, MINUTE, ageInYears, formatDateTime } from './time.ts';

/**
 * Laboratory results: one Observation per analyte (LOINC code, UCUM quantity, reference range,
 * H/L/N interpretation) and a DiagnosticReport for the panel that lists them in `result`. The
 * Observations come first in the stream so the report only ever points backwards.
 */

const INTERPRETATION_DISPLAY = { H: 'High', L: 'Low', N: 'Normal' } as const;

export interface LabPanelOutput {
  resources: Array<Observation | DiagnosticReport>;
  /** "HbA1c 7.2 % (H)" lines for the clinical note. */
  summary: string[];
}

export function labPanelResources(ctx: PersonContext, panelKey: LabPanelKey, drawnAt: number, orderer: Practitioner, encounter: Reference<Encounter>): LabPanelOutput {
  const panel = LAB_PANELS[panelKey];
  const random = ctx.random;
  const age = ageInYears(ctx.birth, drawnAt);
  const sample = specimenSampler({ physiology: ctx.story.physiology, random, time: drawnAt, age, sex: ctx.sex });
  const effective = formatDateTime(drawnAt);
  const issued = formatDateTime(drawnAt + random.int(2, 20) * HOUR + random.int(0, 59) * MINUTE);
  const observations: Observation[] = [];
  const summary: string[] = [];
  for (const key of panel.tests) {
    // Labs do not report an adult-formula eGFR for children.
    if (key === 'egfr' && age < 18) continue;
    const test = LAB_TESTS[key];
    const value = sample(key);
    const range = test.range(ctx.sex, age);
    const flag = interpret(value, range);
    observations.push({
      resourceType: 'Observation',
      id: random.uuid(),
      status: 'final',
      category: [hl7(SYSTEM.observationCategory, 'laboratory', 'Laboratory')],
      code: { coding: [{ system: SYSTEM.loinc, code: test.loinc, display: test.display }], text: test.text },
      subject: ctx.patient,
      encounter,
      effectiveDateTime: effective,
      issued,
      performer: [referenceTo(ctx.team.laboratory, ctx.team.laboratory.name)],
      valueQuantity: ucum(value, test.unit, test.ucum),
      interpretation: [hl7(SYSTEM.interpretation, flag, INTERPRETATION_DISPLAY[flag])],
      referenceRange: [{
        ...(range.low === undefined ? {} : { low: ucum(range.low, test.unit, test.ucum) }),
        ...(range.high === undefined ? {} : { high: ucum(range.high, test.unit, test.ucum) }),
      }],
    });
    summary.push(`${test.text} ${value} ${test.unit}${flag === 'N' ? '' : ` (${flag})`}`);
  }
  const abnormal = summary.filter((line) => line.endsWith('(H)') || line.endsWith('(L)'));
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: random.uuid(),
    status: 'final',
    category: [hl7(SYSTEM.diagnosticService, 'LAB', 'Laboratory')],
    code: { coding: [{ system: SYSTEM.loinc, code: panel.loinc, display: panel.display }], text: panel.text },
    subject: ctx.patient,
    encounter,
    effectiveDateTime: effective,
    issued,
    performer: [referenceTo(ctx.team.laboratory, ctx.team.laboratory.name)],
    resultsInterpreter: [referenceTo(orderer, orderer.name?.[0]?.text)],
    result: observations.map((observation) => referenceTo(observation)),
    conclusion: abnormal.length === 0 ? 'All results within reference range.' : `Abnormal: ${abnormal.join('; ')}.`,
  };
  return { resources: [...observations, report], summary };
}
