import { conceptText, dateOf, flagOf, labelOf, loincOf, valueText } from './clinical-facts.ts';
import type { HealthRepository, Row } from './health-repository.ts';
import { dueImmunisations } from './immunisation-schedule.ts';
import type { Item, TrendPoint, Trend, SourceStatus, Dashboard } from './health-types.ts';
export type { Item, TrendPoint, Trend, SourceStatus, Dashboard };

type Json = Record<string, any>;

/** Vital-sign and lab trends the dashboard charts when the person has them (LOINC codes). */
const TRENDS: readonly { key: string; name: string; codes: readonly string[]; bloodPressure?: true }[] = [
  { key: 'bp', name: 'Blood pressure', codes: ['85354-9', '55284-4'], bloodPressure: true },
  { key: 'weight', name: 'Weight', codes: ['29463-7', '3141-9'] },
  { key: 'bmi', name: 'BMI', codes: ['39156-5'] },
  { key: 'hba1c', name: 'HbA1c', codes: ['4548-4', '17856-6'] },
  { key: 'ldl', name: 'LDL cholesterol', codes: ['18262-6', '13457-7'] },
  { key: 'egfr', name: 'eGFR', codes: ['33914-3', '62238-1', '98979-8'] },
];
const TREND_POINTS = 60;

const parse = (row: Row): Json => JSON.parse(row.json) as Json;

function item(row: Row, resource: Json, extra: Partial<Item> = {}): Item {
  const date = dateOf(resource);
  return { type: row.type, id: row.id, label: labelOf(resource), ...(date ? { date } : {}), ...(row.sourceId ? { sourceId: row.sourceId } : {}), ...extra };
}

const byDateDesc = (a: { date?: string }, b: { date?: string }) => (b.date ?? '').localeCompare(a.date ?? '');

function component(resource: Json, loinc: string): number | undefined {
  const part = (resource.component ?? []).find((c: Json) => loincOf(c.code) === loinc);
  return typeof part?.valueQuantity?.value === 'number' ? part.valueQuantity.value : undefined;
}

function trendOf(repository: HealthRepository, spec: (typeof TRENDS)[number]): Trend | undefined {
  for (const code of spec.codes) {
    const rows = repository.observationsOfCode(code, TREND_POINTS);
    if (rows.length === 0) continue;
    let unit = '';
    const points: TrendPoint[] = [];
    for (const row of rows) {
      const resource = parse(row);
      const date = dateOf(resource);
      if (!date) continue;
      if (spec.bloodPressure) {
        const systolic = component(resource, '8480-6');
        const diastolic = component(resource, '8462-4');
        if (systolic === undefined || diastolic === undefined) continue;
        unit = 'mm[Hg]';
        points.push({ date, value: systolic, value2: diastolic });
      } else if (typeof resource.valueQuantity?.value === 'number') {
        unit ||= resource.valueQuantity.unit ?? resource.valueQuantity.code ?? '';
        // A chart draws one unit: values in another unit are left to the lab page, which converts.
        if ((resource.valueQuantity.unit ?? resource.valueQuantity.code ?? '') === unit) points.push({ date, value: resource.valueQuantity.value });
      }
    }
    if (points.length > 0) return { key: spec.key, name: spec.name, unit, points: points.reverse() };
  }
  return undefined;
}

function sourcesStatus(repository: HealthRepository, sourceLabel: (id: string) => string | undefined): SourceStatus[] {
  const latest = new Map<string, SourceStatus>();
  for (const run of repository.imports()) {
    if (latest.has(run.sourceId)) continue; // newest first: the first seen is the last import
    latest.set(run.sourceId, {
      sourceId: run.sourceId,
      label: sourceLabel(run.sourceId) ?? 'Unknown source',
      lastImport: { startedAt: run.startedAt, finishedAt: run.finishedAt, status: run.status },
      failed: run.status === 'failed',
    });
  }
  return [...latest.values()];
}

export interface DashboardOptions {
  now: Date;
  sourceLabel(id: string): string | undefined;
}

/** Everything the person's dashboard shows, from a few indexed queries. */
export function buildDashboard(repository: HealthRepository, options: DashboardOptions): Dashboard {
  const allergies = repository.ofType('AllergyIntolerance').map((row) => {
    const resource = parse(row);
    const reactions = (resource.reaction ?? []).flatMap((r: Json) => (r.manifestation ?? []).map((m: Json) => conceptText(m))).filter(Boolean) as string[];
    const status = resource.clinicalStatus?.coding?.[0]?.code;
    return { ...item(row, resource, status && status !== 'active' ? { detail: status } : {}), reactions, ...(resource.criticality ? { criticality: resource.criticality as string } : {}) };
  });
  const problems = repository.withToken('Condition', 'clinical-status', 'active').map((row) => item(row, parse(row))).sort(byDateDesc);
  const medications = repository.withToken('MedicationRequest', 'status', 'active').map((row) => {
    const resource = parse(row);
    const dosage = resource.dosageInstruction?.[0]?.text;
    return item(row, resource, dosage ? { detail: dosage } : {});
  });
  const recentLabs = repository.recentLabs(12).map((row) => {
    const resource = parse(row);
    const flag = flagOf(resource);
    const value = valueText(resource);
    const loinc = loincOf(resource.code);
    return { ...item(row, resource, { ...(value ? { detail: value } : {}), ...(flag ? { flag } : {}) }), ...(loinc ? { loinc } : {}) };
  });
  const immunizationRows = repository.ofType('Immunization').map((row) => ({ row, resource: parse(row) }));
  const given = immunizationRows.filter(({ resource }) => resource.status !== 'not-done' && resource.status !== 'entered-in-error');
  const doses = given.flatMap(({ resource }) => {
    const date = dateOf(resource);
    const cvx = (resource.vaccineCode?.coding ?? []).find((c: Json) => c.system === 'http://hl7.org/fhir/sid/cvx')?.code;
    return date && cvx ? [{ cvx: String(cvx), date }] : [];
  });
  const patient = repository.ofType('Patient').map(parse)[0];
  return {
    allergies,
    problems,
    medications,
    recentLabs,
    trends: TRENDS.map((spec) => trendOf(repository, spec)).filter((trend): trend is Trend => trend !== undefined),
    immunisations: {
      given: given.map(({ row, resource }) => item(row, resource)).sort(byDateDesc),
      due: dueImmunisations(typeof patient?.birthDate === 'string' ? patient.birthDate : undefined, doses, options.now),
    },
    visits: repository.recentEncounters(5).map((row) => {
      const resource = parse(row);
      const where = resource.serviceProvider?.display;
      return item(row, resource, where ? { detail: where } : {});
    }),
    sources: sourcesStatus(repository, options.sourceLabel),
  };
}
