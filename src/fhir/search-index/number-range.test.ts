import { describe, expect, it } from 'vitest';
import { extractIndexRows as extractStoredRows } from './extract.ts';
import { implicitRange } from './number-range.ts';

/** Every parameter's rows, derived ones included (stored-params.ts): these tests are about what each expression selects. */
const extractIndexRows: typeof extractStoredRows = (resource, context) => extractStoredRows(resource, context, { everyParameter: true });

describe('implicitRange: precision implied by the written digits (search.html#number)', () => {
  it('is ± half a unit of the last digit', () => {
    expect(implicitRange(5.4)).toEqual([5.35, 5.45]);
    expect(implicitRange(100)).toEqual([99.5, 100.5]);
    expect(implicitRange(0.001)).toEqual([0.0005, 0.0015]);
    expect(implicitRange(-2.5)).toEqual([-2.55, -2.45]);
    expect(implicitRange(77.25)).toEqual([77.245, 77.255]);
  });
  it('handles exponent forms', () => {
    expect(implicitRange(1e21)).toEqual([1e21 - 5e20, 1e21 + 5e20]);
    expect(implicitRange(1.5e-7)).toEqual([1.45e-7, 1.55e-7]);
  });
  it('rejects non-finite numbers', () => {
    expect(implicitRange(Number.NaN)).toBeUndefined();
    expect(implicitRange(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe('quantity and number rows', () => {
  const observation = (value: Record<string, unknown>) =>
    extractIndexRows({ resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, ...value } as never);

  it('Quantity: value, precision range, system/code/unit', () => {
    expect(observation({ valueQuantity: { value: 5.4, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' } }).quantities).toEqual([
      { param: 'combo-value-quantity', value: 5.4, low: 5.35, high: 5.45, system: 'http://unitsofmeasure.org', code: 'mmol/L', unit: 'mmol/L' },
      { param: 'value-quantity', value: 5.4, low: 5.35, high: 5.45, system: 'http://unitsofmeasure.org', code: 'mmol/L', unit: 'mmol/L' },
    ]);
  });

  it('a comparator opens the range on one side', () => {
    const [less] = observation({ valueQuantity: { value: 5, comparator: '<' } }).quantities;
    expect(less).toMatchObject({ value: 5, low: -Number.MAX_VALUE, high: 5, system: null, code: null, unit: null });
    const [atLeast] = observation({ valueQuantity: { value: 5, comparator: '>=' } }).quantities;
    expect(atLeast).toMatchObject({ low: 4.5, high: Number.MAX_VALUE });
  });

  it('Range (Condition onset-age): low/high as written, value the midpoint', () => {
    const rows = extractIndexRows({
      resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p' },
      onsetRange: { low: { value: 40, unit: 'a', system: 'http://unitsofmeasure.org', code: 'a' }, high: { value: 50, unit: 'a' } },
    });
    expect(rows.quantities).toEqual([{ param: 'onset-age', value: 45, low: 40, high: 50, system: 'http://unitsofmeasure.org', code: 'a', unit: 'a' }]);
  });

  it('Money: currency as an ISO 4217 code', () => {
    const rows = extractIndexRows({
      resourceType: 'Invoice', id: 'i', status: 'issued', totalGross: { value: 12.5, currency: 'EUR' },
    });
    expect(rows.quantities).toEqual([{ param: 'totalgross', value: 12.5, low: 12.45, high: 12.55, system: 'urn:iso:std:iso:4217', code: 'EUR', unit: null }]);
  });

  it('number parameters (RiskAssessment probability, a decimal)', () => {
    const rows = extractIndexRows({
      resourceType: 'RiskAssessment', id: 'r', status: 'final', subject: { reference: 'Patient/p' },
      prediction: [{ probabilityDecimal: 0.25 }],
    });
    expect(rows.numbers).toEqual([{ param: 'probability', value: 0.25, low: 0.245, high: 0.255 }]);
  });
});
