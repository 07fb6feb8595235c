import { HearthError } from '../errors/hearth-error.ts';
import { dateOf, flagOf, labelOf, quantityOf, valueText } from './clinical-facts.ts';
import type { HealthRepository } from './health-repository.ts';
import { LAB_PANELS, OTHER_PANEL, panelOf } from './lab-panels.ts';
import { conversionFactor, roundConverted } from './units.ts';
import type { LabTestSummary, LabOverview, LabPoint, LabSeries, LabTestDetail } from './health-types.ts';
export type { LabTestSummary, LabOverview, LabPoint, LabSeries, LabTestDetail };

type Json = Record<string, any>;

/** Most results of one test a page shows (newest first): years of monthly tests fit comfortably. */
export const LAB_RESULTS_LIMIT = 2000;
/**
 * The newest results the lab page asks for first: its chart and table show these at once, and the
 * person asks for the rest (up to LAB_RESULTS_LIMIT). Thousands of points to read, send and draw
 * held the page's first screen back for a test taken daily for years.
 */
export const LAB_FIRST_RESULTS = 200;
const LOINC = /^\d{1,7}-\d$/;

/** The tests the person has results for, grouped by panel, each with its latest result. */
export function labOverview(repository: HealthRepository): LabOverview {
  const tests = repository.labCodes().map((row): LabTestSummary => {
    const resource = JSON.parse(row.latest.json) as Json;
    const date = dateOf(resource);
    const value = valueText(resource);
    const flag = flagOf(resource);
    return {
      loinc: row.code,
      name: labelOf(resource),
      count: row.count,
      latest: { ...(date ? { date } : {}), ...(value ? { value } : {}), ...(flag ? { flag } : {}) },
    };
  });
  const order = [...LAB_PANELS.map((panel) => panel.key), OTHER_PANEL.key];
  const panels = new Map<string, { key: string; name: string; tests: LabTestSummary[] }>();
  for (const test of tests) {
    const panel = panelOf(test.loinc);
    const group = panels.get(panel.key) ?? { ...panel, tests: [] };
    group.tests.push(test);
    panels.set(panel.key, group);
  }
  for (const group of panels.values()) group.tests.sort((a, b) => a.name.localeCompare(b.name));
  return { panels: [...panels.values()].sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key)) };
}

/**
 * Every result of one test (LOINC code), oldest first, in as few units as UCUM allows: the most
 * common unit leads; a result in another unit joins it when UCUM converts between the two, else it
 * starts its own series. Reference range bounds convert with their value. `limit`: the newest that
 * many results only (the most common unit among those leads); `total` says how many there are.
 */
export function labTest(repository: HealthRepository, loinc: string, sourceLabel: (id: string) => string | undefined = () => undefined, limit = LAB_RESULTS_LIMIT): LabTestDetail {
  if (!LOINC.test(loinc)) throw new HearthError('invalid', 'not a LOINC code');
  if (!Number.isInteger(limit) || limit < 1 || limit > LAB_RESULTS_LIMIT) throw new HearthError('invalid', `limit must be a whole number from 1 to ${LAB_RESULTS_LIMIT}`);
  const rows = repository.observationsOfCode(loinc, limit).reverse();
  if (rows.length === 0) throw new HearthError('not-found', 'no results of this test');
  const results = rows.map((row) => ({ row, resource: JSON.parse(row.json) as Json }));
  const unitCount = new Map<string, number>();
  for (const { resource } of results) {
    const quantity = quantityOf(resource.valueQuantity);
    if (quantity) unitCount.set(quantity.code ?? quantity.unit, (unitCount.get(quantity.code ?? quantity.unit) ?? 0) + 1);
  }
  const units = [...unitCount.entries()].sort((a, b) => b[1] - a[1]).map(([unit]) => unit);
  const series = new Map<string, LabSeries>();
  const other: LabTestDetail['other'] = [];
  for (const { row, resource } of results) {
    const date = dateOf(resource);
    const flag = flagOf(resource);
    const base = { id: row.id, ...(date ? { date } : {}), ...(flag ? { flag } : {}), ...(row.sourceId ? { sourceId: row.sourceId } : {}) };
    const quantity = quantityOf(resource.valueQuantity);
    if (!quantity) {
      const value = valueText(resource);
      other.push({ ...base, ...(value ? { value } : {}) });
      continue;
    }
    const unit = quantity.code ?? quantity.unit;
    // The first (most common) unit this one converts into; only UCUM codes convert.
    const target = units.find((candidate) => candidate === unit || (quantity.code !== undefined && conversionFactor(unit, candidate) !== null))!;
    const factor = target === unit ? 1 : conversionFactor(unit, target)!;
    const convert = (value: number) => (factor === 1 ? value : roundConverted(value * factor));
    const range = resource.referenceRange?.[0];
    const bound = (q: Json | undefined) => {
      const b = quantityOf(q);
      if (!b) return undefined;
      const f = (b.code ?? b.unit) === target ? 1 : b.code ? conversionFactor(b.code, target) : null;
      return f === null ? undefined : roundConverted(b.value * f);
    };
    const low = bound(range?.low);
    const high = bound(range?.high);
    const point: LabPoint = {
      ...base,
      value: convert(quantity.value),
      ...(low !== undefined ? { low } : {}),
      ...(high !== undefined ? { high } : {}),
      ...(factor !== 1 ? { reported: `${quantity.value} ${quantity.unit}` } : {}),
    };
    const list = series.get(target) ?? { unit: target, points: [] };
    list.points.push(point);
    series.set(target, list);
  }
  const name = labelOf(results.at(-1)!.resource);
  const sources: Record<string, string> = {};
  for (const { row } of results) if (row.sourceId && !(row.sourceId in sources)) sources[row.sourceId] = sourceLabel(row.sourceId) ?? 'Unknown source';
  return { loinc, name, panel: panelOf(loinc), total: Math.max(repository.countOfCode(loinc), rows.length), series: [...series.values()], other, sources };
}
