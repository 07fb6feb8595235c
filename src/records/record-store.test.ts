import type { Observation, Patient, Procedure } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempVault } from '../../test/helpers/temp-vault.ts';
import { recordStore, type RecordStore } from './record-store.ts';

let vault: ReturnType<typeof tempVault>;
let store: RecordStore;
beforeEach(() => {
  vault = tempVault();
  store = recordStore(vault.db);
});
afterEach(() => vault.dispose());

const A = { sourceId: 'source-a' };
const B = { sourceId: 'source-b' };

const patient = (id: string, family: string): Patient => ({ resourceType: 'Patient', id, name: [{ family, given: ['Ann'] }] });
const glucose = (value: number): Observation => ({
  resourceType: 'Observation',
  id: 'obs-1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose' }] },
  subject: { reference: 'Patient/p1' },
  valueQuantity: { value, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
});

const count = (sql: string, ...params: unknown[]) => vault.db.prepare(sql).pluck().get(...params) as number;

describe('record store', () => {
  it('creates version 1 with server-owned meta, ignoring meta from input', () => {
    const input = { ...patient('p1', 'Smith'), meta: { versionId: '99', lastUpdated: '1999-01-01T00:00:00Z', tag: [{ code: 'x' }] } };
    const result = store.write(input, A);
    expect(result).toEqual({ outcome: 'created', type: 'Patient', id: 'p1', versionId: 1 });
    const stored = store.read('Patient', 'p1')!;
    expect(stored.meta?.versionId).toBe('1');
    expect(stored.meta?.lastUpdated).not.toBe('1999-01-01T00:00:00Z');
    expect(stored.meta?.tag).toEqual([{ code: 'x' }]);
  });

  it('keeps history with provenance and leaves identical content unchanged', () => {
    store.write(glucose(90), { ...A, importId: 'import-1', origin: 'obs.ndjson:1' });
    expect(store.write(glucose(90), { ...A, importId: 'import-2', origin: 'obs.ndjson:1' }).outcome).toBe('unchanged');
    const second = store.write(glucose(95), { ...A, importId: 'import-3', origin: 'obs.ndjson:7' });
    expect(second).toMatchObject({ outcome: 'updated', versionId: 2 });
    const history = store.history('Observation', 'obs-1');
    expect(history.map((h) => [h.versionId, h.importId, h.origin, h.sourceId])).toEqual([
      [2, 'import-3', 'obs.ndjson:7', 'source-a'],
      [1, 'import-1', 'obs.ndjson:1', 'source-a'],
    ]);
    expect((store.vread('Observation', 'obs-1', 1) as Observation).valueQuantity?.value).toBe(90);
    expect((store.read('Observation', 'obs-1') as Observation).valueQuantity?.value).toBe(95);
    expect(() => store.vread('Observation', 'obs-1', 3)).toThrow(/has no version 3/);
  });

  it('re-indexes on update: old values no longer match', () => {
    store.write(glucose(90), A);
    store.write({ ...glucose(90), code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] } }, A);
    expect(count("SELECT count(*) FROM idx_token WHERE param = 'code' AND code = '2345-7'")).toBe(0);
    expect(count("SELECT count(*) FROM idx_token WHERE param = 'code' AND code = '4548-4'")).toBe(1);
    expect(count('SELECT count(*) FROM resource_versions')).toBe(2);
  });

  it('keeps two sources that use the same id apart, references included', () => {
    store.write(patient('p1', 'FromA'), A);
    store.write(glucose(90), A);
    const fromB = store.write(patient('p1', 'FromB'), B);
    expect(fromB.outcome).toBe('created');
    expect(fromB.id).not.toBe('p1');
    const obsB = store.write({ ...glucose(120), id: 'obs-1' }, B);
    expect(obsB.id).not.toBe('obs-1');
    expect((store.read('Observation', obsB.id) as Observation).subject?.reference).toBe(`Patient/${fromB.id}`);
    expect((store.read('Observation', 'obs-1') as Observation).subject?.reference).toBe('Patient/p1');
    expect((store.read('Patient', 'p1') as Patient).name?.[0]?.family).toBe('FromA');
    // The same source writing again updates its own record, not the other source's.
    expect(store.write(patient('p1', 'FromB2'), B)).toMatchObject({ outcome: 'updated', id: fromB.id });
  });

  it('stores absolute references under the source base as Type/id', () => {
    const obs = { ...glucose(90), subject: { reference: 'https://ehr.example.org/fhir/Patient/p1' } };
    store.write(obs, { ...A, sourceBase: 'https://ehr.example.org/fhir/' });
    expect((store.read('Observation', 'obs-1') as Observation).subject?.reference).toBe('Patient/p1');
    expect(count("SELECT count(*) FROM idx_reference WHERE param = 'subject' AND target_type = 'Patient' AND target_id = 'p1'")).toBe(1);
  });

  it('resolves conditional references in the index, also when the target arrives later', () => {
    const procedure: Procedure = {
      resourceType: 'Procedure',
      id: 'proc-1',
      status: 'completed',
      subject: { reference: 'Patient/p1' },
      code: { text: 'Appendectomy' },
      performer: [{ actor: { reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|999' } }],
    };
    store.write(procedure, A);
    expect(store.resolvePendingReferences()).toBe(1);
    store.write({ resourceType: 'Practitioner', id: 'dr-1', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '999' }] }, A);
    expect(store.resolvePendingReferences()).toBe(0);
    expect(count("SELECT count(*) FROM idx_reference WHERE param = 'performer' AND target_type = 'Practitioner' AND target_id = 'dr-1'")).toBe(1);
    // The record itself keeps the reference as the source sent it.
    expect((store.read('Procedure', 'proc-1') as Procedure).performer?.[0]?.actor.reference).toMatch(/^Practitioner\?identifier=/);
  });

  it('gives a resource without id a stable id from its content', () => {
    const { id: _id, ...withoutId } = glucose(77);
    const first = store.write(withoutId as Observation, A);
    const again = store.write(withoutId as Observation, A);
    expect(again).toEqual({ ...first, outcome: 'unchanged' });
  });

  it('rolls back a whole transaction, leaving nothing behind', () => {
    expect(() =>
      store.transaction(() => {
        store.write(patient('p9', 'Gone'), A);
        throw new Error('crash mid-batch');
      }),
    ).toThrow('crash mid-batch');
    expect(store.read('Patient', 'p9')).toBeUndefined();
    expect(count('SELECT count(*) FROM source_ids')).toBe(0);
    expect(count('SELECT count(*) FROM idx_string')).toBe(0);
    // After the rollback the id is claimed afresh, not from a stale cache.
    expect(store.write(patient('p9', 'Back'), A).id).toBe('p9');
    expect(count('SELECT count(*) FROM source_ids')).toBe(1);
  });

  it('indexes text for _text/_content', () => {
    store.write(glucose(90), A);
    expect(count("SELECT count(*) FROM resource_text WHERE resource_text MATCH 'glucose'")).toBe(1);
    expect(store.counts()).toEqual([{ type: 'Observation', count: 1 }]);
  });
});
