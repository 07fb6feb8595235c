import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { demoFamily, generatePersonRecords } from '../../demo/index.ts';
import { extractIndexRows } from './extract.ts';
import { INDEXED_RESOURCE_TYPES, catalogFor } from './param-catalog.ts';
import type { IndexRows } from './rows.ts';
import { diagnosticReport, handWrittenObservations, loadSyntheaResources } from './sample-resources.ts';
import { DERIVED_PARAMS_AT_MIGRATION_4 } from '../../vault/derived-rows-migration.ts';
import { derivedParams, hasOwnRows, storedAs } from './stored-params.ts';

const TABLES = ['tokens', 'strings', 'dates', 'quantities', 'numbers', 'references', 'uris'] as const;

/** One table's rows of `code`, without the param field, as a sorted set (the index's rows are de-duplicated per parameter). */
function rowsOf(rows: IndexRows, table: (typeof TABLES)[number], code: string, targetType?: string): string[] {
  const selected = (rows[table] as Array<{ param: string; targetType?: string | null }>).filter(
    (row) => row.param === code && (targetType === undefined || row.targetType === targetType),
  );
  return [...new Set(selected.map(({ param: _param, ...rest }) => JSON.stringify(rest)))].sort();
}

const records: Resource[] = [
  ...loadSyntheaResources(),
  ...generatePersonRecords(demoFamily(5)[0]!, { seed: 5, targetResources: 3000 }),
  ...handWrittenObservations(),
  diagnosticReport(),
  // The cases a target filter must get right: a Group subject, a contained patient, an absolute URL, a conditional reference.
  { resourceType: 'Observation', id: 'g', status: 'final', code: { text: 'x' }, subject: { reference: 'Group/g1' } },
  { resourceType: 'Observation', id: 'c', status: 'final', code: { text: 'x' }, subject: { reference: '#p' }, contained: [{ resourceType: 'Patient', id: 'p' }] },
  { resourceType: 'Observation', id: 'u', status: 'final', code: { text: 'x' }, subject: { reference: 'https://ehr.example/fhir/Patient/9' } },
  { resourceType: 'Encounter', id: 'q', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient?identifier=urn:mrn|1' } },
] as Resource[];

describe('derived search parameters (stored-params.ts)', () => {
  it('answers each derived parameter with exactly the rows it would have had, record by record', () => {
    const mismatches: string[] = [];
    let compared = 0;
    for (const record of records) {
      const every = extractIndexRows(record, { sourceBase: 'https://ehr.example/fhir' }, { everyParameter: true });
      const stored = extractIndexRows(record, { sourceBase: 'https://ehr.example/fhir' });
      for (const [code, sources] of derivedParams(record.resourceType)) {
        if (code === '_id') continue;
        for (const table of TABLES) {
          const expected = rowsOf(every, table, code);
          const answered = [...new Set(sources.flatMap((source) =>
            source.targetType !== undefined && table !== 'references' ? [] : rowsOf(stored, table, source.code, source.targetType)))].sort();
          compared += expected.length;
          if (JSON.stringify(answered) !== JSON.stringify(expected)) mismatches.push(`${record.resourceType}/${record.id} ${code} ${table}`);
        }
        // The derived parameter itself is not written.
        for (const table of TABLES) expect(rowsOf(stored, table, code)).toEqual([]);
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    // Observation patient / combo-code / combo-value-quantity rows alone number in the thousands.
    expect(compared).toBeGreaterThan(5_000);
  });

  it('derives the parameters an Observation and an Encounter repeat, and _id', () => {
    expect(storedAs('Observation', 'combo-code')).toEqual([{ code: 'code' }, { code: 'component-code' }]);
    expect(storedAs('Observation', 'combo-value-quantity')).toEqual([{ code: 'value-quantity' }, { code: 'component-value-quantity' }].sort((a, b) => (a.code < b.code ? -1 : 1)));
    expect(storedAs('Observation', 'patient')).toEqual([{ code: 'subject', targetType: 'Patient' }]);
    expect(storedAs('Encounter', 'practitioner')).toEqual([{ code: 'participant', targetType: 'Practitioner' }]);
    expect(storedAs('Patient', 'phonetic')).toEqual([{ code: 'name' }]);
    expect(storedAs('Observation', '_id')).toEqual([]);
    expect(storedAs('Observation', 'code')).toEqual([{ code: 'code' }]);
  });

  it('keeps the rows that queries name directly (dates, health and browse parameters, identifiers)', () => {
    // sort-walk.ts and date-span.ts read a date parameter's own rows.
    // health-repository.ts reads every type's status / verification-status rows (entered-in-error).
    const everyType = new Set(['status', 'verification-status', 'category', 'code']);
    for (const type of INDEXED_RESOURCE_TYPES) {
      for (const param of catalogFor(type)) {
        if (param.type === 'date' || everyType.has(param.code)) expect(hasOwnRows(type, param.code), `${type}.${param.code}`).toBe(true);
      }
    }
    const named: Array<[string, string]> = [
      ['Observation', 'code'], ['Observation', 'category'], ['Observation', 'status'], ['Observation', 'date'], ['Encounter', 'date'],
      ['Condition', 'code'], ['Condition', 'verification-status'], ['Immunization', 'vaccine-code'], ['DocumentReference', 'type'],
      ['Encounter', 'type'], ['Patient', 'identifier'], ['Observation', 'subject'], ['Encounter', 'subject'],
      ['Condition', 'clinical-status'], ['MedicationRequest', 'status'], ['Device', 'type'],
    ];
    for (const [type, code] of named) expect(hasOwnRows(type, code), `${type}.${code}`).toBe(true);
  });

  it('matches the list vault migration 4 removed rows for (a change needs a new migration)', () => {
    const now: Record<string, string[]> = {};
    for (const type of INDEXED_RESOURCE_TYPES) {
      const codes = [...derivedParams(type).keys()].filter((code) => code !== '_id').sort();
      if (codes.length > 0) now[type] = codes;
    }
    expect(now).toEqual(DERIVED_PARAMS_AT_MIGRATION_4);
  });
});
