import { describe, expect, it } from 'vitest';
import { DATE_MAX, DATE_MIN, dateRange, periodRange } from './date-range.ts';
import { extractIndexRows } from './extract.ts';

const at = (iso: string): number => Date.parse(iso);

describe('dateRange: a value covers its whole precision (search.html#date)', () => {
  it('year, month and day precision', () => {
    expect(dateRange('2020')).toEqual([at('2020-01-01T00:00:00.000Z'), at('2020-12-31T23:59:59.999Z')]);
    expect(dateRange('2020-02')).toEqual([at('2020-02-01T00:00:00.000Z'), at('2020-02-29T23:59:59.999Z')]);
    expect(dateRange('2021-02')).toEqual([at('2021-02-01T00:00:00.000Z'), at('2021-02-28T23:59:59.999Z')]);
    expect(dateRange('2020-03-05')).toEqual([at('2020-03-05T00:00:00.000Z'), at('2020-03-05T23:59:59.999Z')]);
  });

  it('time precision with a timezone offset', () => {
    expect(dateRange('2020-03-05T10:00:00+01:00')).toEqual([at('2020-03-05T09:00:00.000Z'), at('2020-03-05T09:00:00.999Z')]);
    expect(dateRange('2020-03-05T10:00:00-04:30')).toEqual([at('2020-03-05T14:30:00.000Z'), at('2020-03-05T14:30:00.999Z')]);
    expect(dateRange('2020-03-05T10:00Z')).toEqual([at('2020-03-05T10:00:00.000Z'), at('2020-03-05T10:00:59.999Z')]);
  });

  it('fractional seconds narrow the range to the last written digit', () => {
    expect(dateRange('2022-02-02T02:02:02.2Z')).toEqual([at('2022-02-02T02:02:02.200Z'), at('2022-02-02T02:02:02.299Z')]);
    expect(dateRange('2022-02-02T02:02:02.25Z')).toEqual([at('2022-02-02T02:02:02.250Z'), at('2022-02-02T02:02:02.259Z')]);
    expect(dateRange('2022-02-02T02:02:02.123456Z')).toEqual([at('2022-02-02T02:02:02.123Z'), at('2022-02-02T02:02:02.123Z')]);
  });

  it('takes a time without timezone as UTC', () => {
    expect(dateRange('2020-03-05T10:00:00')).toEqual([at('2020-03-05T10:00:00.000Z'), at('2020-03-05T10:00:00.999Z')]);
  });

  it('handles years before 100 (Date.UTC would map them to the 1900s)', () => {
    expect(dateRange('0050')).toEqual([new Date('0050-01-01T00:00:00Z').getTime(), new Date('0050-12-31T23:59:59.999Z').getTime()]);
  });

  it('rejects what is not a FHIR date', () => {
    for (const bad of ['2020-13', '2021-02-29', '2020-04-31', '20200101', 'T10:00:00', '10:00:00', '2020-01-01T25:00:00Z', '2020-01-01T10:00:00+15:00', '']) {
      expect(dateRange(bad), bad).toBeUndefined();
    }
  });
});

describe('periodRange', () => {
  it('uses each bound at its own precision', () => {
    expect(periodRange({ start: '2020-01', end: '2020-02-15' })).toEqual([at('2020-01-01T00:00:00.000Z'), at('2020-02-15T23:59:59.999Z')]);
  });
  it('is open where a bound is missing, and absent when both are', () => {
    expect(periodRange({ end: '2021' })).toEqual([DATE_MIN, at('2021-12-31T23:59:59.999Z')]);
    expect(periodRange({ start: '2021' })).toEqual([at('2021-01-01T00:00:00.000Z'), DATE_MAX]);
    expect(DATE_MIN).toBe(-8.64e15);
    expect(DATE_MAX).toBe(8.64e15);
    expect(periodRange({})).toBeUndefined();
  });
});

describe('date rows from resources', () => {
  it('indexes Timing events and bounds (CarePlan activity-date)', () => {
    const rows = extractIndexRows({
      resourceType: 'CarePlan', id: 'cp', status: 'active', intent: 'plan', subject: { reference: 'Patient/p' },
      activity: [{ detail: { status: 'scheduled', scheduledTiming: { event: ['2021-05-01', '2021-05-08T09:00:00Z'], repeat: { boundsPeriod: { start: '2021-05-01', end: '2021-06-01' } } } } }],
    });
    expect(rows.dates.filter((row) => row.param === 'activity-date')).toEqual([
      { param: 'activity-date', start: at('2021-05-01T00:00:00.000Z'), end: at('2021-05-01T23:59:59.999Z') },
      { param: 'activity-date', start: at('2021-05-08T09:00:00.000Z'), end: at('2021-05-08T09:00:00.999Z') },
      { param: 'activity-date', start: at('2021-05-01T00:00:00.000Z'), end: at('2021-06-01T23:59:59.999Z') },
    ]);
  });

  it('indexes _lastUpdated and an open effectivePeriod', () => {
    const rows = extractIndexRows({
      resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' },
      meta: { lastUpdated: '2024-08-06T18:12:57.123Z' }, effectivePeriod: { start: '2024-08-01T10:00:00Z' },
    });
    expect(rows.dates).toEqual([
      { param: '_lastUpdated', start: at('2024-08-06T18:12:57.123Z'), end: at('2024-08-06T18:12:57.123Z') },
      { param: 'date', start: at('2024-08-01T10:00:00.000Z'), end: DATE_MAX },
    ]);
  });
});
