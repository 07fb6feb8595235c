import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readImportPath } from './index.ts';
import { collect, errors, makeTempDir, resources, HANG_GUARD_MS } from './readers.test-helper.ts';

const temp = makeTempDir();
afterAll(temp.remove);

let counter = 0;
function writeJson(value: unknown): string {
  const path = join(temp.dir, `document-${counter++}.json`);
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

const PATIENT_UUID = 'urn:uuid:5f1c7a52-0b5e-4d7e-9a43-2f4f0b9f3c11';
const ENCOUNTER_UUID = 'urn:uuid:A1B2C3D4-0000-4000-8000-000000000001';

describe('Bundles', () => {
  it('rewrites references between entries (urn:uuid, urn:oid, absolute URLs) to Type/id', async () => {
    const path = writeJson({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: PATIENT_UUID, resource: { resourceType: 'Patient', name: [{ family: 'Ellison' }] }, request: { method: 'POST', url: 'Patient' } },
        { fullUrl: ENCOUNTER_UUID, resource: { resourceType: 'Encounter', id: 'enc-7', subject: { reference: PATIENT_UUID } }, request: { method: 'POST', url: 'Encounter' } },
        { fullUrl: 'urn:oid:1.2.36.1.2001.1005.17', resource: { resourceType: 'Organization', name: 'Lab' }, request: { method: 'POST', url: 'Organization' } },
        { fullUrl: 'https://ehr.example.org/fhir/Practitioner/dr-1', resource: { resourceType: 'Practitioner' }, request: { method: 'PUT', url: 'Practitioner/dr-1' } },
        {
          fullUrl: 'urn:uuid:0c3a3f5e-1d8e-4b6f-8e7c-1f2a3b4c5d6e',
          resource: {
            resourceType: 'Observation',
            status: 'final',
            subject: { reference: PATIENT_UUID, display: 'M. Ellison' },
            encounter: { reference: ENCOUNTER_UUID },
            performer: [{ reference: 'urn:oid:1.2.36.1.2001.1005.17' }, { reference: 'https://ehr.example.org/fhir/Practitioner/dr-1' }],
            hasMember: [{ reference: 'urn:uuid:00000000-0000-4000-8000-00000000ffff' }, { reference: '#contained-1' }],
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    const items = await collect(readImportPath(path));
    expect(errors(items)).toEqual([]);
    const [patient, encounter, organization, practitioner, observation] = resources(items);
    expect(patient!['id']).toBe('5f1c7a52-0b5e-4d7e-9a43-2f4f0b9f3c11');
    expect(encounter!['id']).toBe('enc-7');
    expect(practitioner!['id']).toBe('dr-1');
    expect(organization!['id']).toMatch(/^[0-9a-f]{32}$/);
    expect(observation!['subject']).toEqual({ reference: 'Patient/5f1c7a52-0b5e-4d7e-9a43-2f4f0b9f3c11', display: 'M. Ellison' });
    expect(encounter!['subject']).toEqual({ reference: 'Patient/5f1c7a52-0b5e-4d7e-9a43-2f4f0b9f3c11' });
    expect(observation!['encounter']).toEqual({ reference: 'Encounter/enc-7' });
    expect(observation!['performer']).toEqual([{ reference: `Organization/${organization!['id'] as string}` }, { reference: 'Practitioner/dr-1' }]);
    // References to nothing in the Bundle, and local ones, are left for validation to judge.
    expect(observation!['hasMember']).toEqual([{ reference: 'urn:uuid:00000000-0000-4000-8000-00000000ffff' }, { reference: '#contained-1' }]);
    expect(items.map((item) => item.location)).toEqual([0, 1, 2, 3, 4].map((entry) => ({ file: path, entry })));
    expect(items[0]!.kind === 'resource' && items[0]!.fullUrl).toBe(PATIENT_UUID);
  });

  it('derives the same ids on every read of the same file', async () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Basic', code: { text: 'x' } } }] };
    const first = resources(await collect(readImportPath(writeJson(bundle))));
    const second = resources(await collect(readImportPath(writeJson(bundle))));
    expect(first[0]!['id']).toMatch(/^[0-9a-f]{32}$/);
    expect(second[0]!['id']).toBe(first[0]!['id']);
  });

  it('refuses deletes, reads and patches in a transaction, and entries without a resource', async () => {
    const path = writeJson({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'DELETE', url: 'Patient/1' } },
        { request: { method: 'GET', url: 'Patient?name=x' } },
        { resource: { resourceType: 'Binary' }, request: { method: 'PATCH', url: 'Patient/1' } },
        { request: { method: 'POST', url: 'Patient' } },
        'not an entry',
        { resource: { resourceType: 7 } },
        { resource: { resourceType: 'Patient', id: 'kept' }, request: { method: 'PUT', url: 'Patient/kept' } },
      ],
    });
    const items = await collect(readImportPath(path));
    expect(resources(items).map((resource) => resource['id'])).toEqual(['kept']);
    expect(errors(items).map((item) => item.message)).toEqual([
      `${path} entry 0: deletes in a transaction are not imported`,
      `${path} entry 1: read requests in a transaction are not imported`,
      `${path} entry 2: patches in a transaction are not imported`,
      `${path} entry 3: entry has no resource`,
      `${path} entry 4: entry must be a JSON object`,
      `${path} entry 5: resourceType must be a non-empty string (it is a number)`,
    ]);
    expect(errors(items)[0]!.expression).toBe('Bundle.entry[0].request.method');
  });

  it('turns a searchset OperationOutcome into a warning and yields the matches', async () => {
    const path = writeJson({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { fullUrl: 'https://ehr.example.org/fhir/Condition/c1', resource: { resourceType: 'Condition', id: 'c1' }, search: { mode: 'match' } },
        {
          resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'incomplete', diagnostics: 'Results limited to 1000 entries' }] },
          search: { mode: 'outcome' },
        },
        { fullUrl: 'https://ehr.example.org/fhir/Patient/p1', resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'include' } },
      ],
    });
    const items = await collect(readImportPath(path));
    expect(resources(items).map((resource) => resource['resourceType'])).toEqual(['Condition', 'Patient']);
    expect(errors(items).map((item) => item.message)).toEqual([`${path} entry 1: warning: the server reported: warning: Results limited to 1000 entries`]);
  });

  it('keeps only the latest version of each resource from a history Bundle', async () => {
    const path = writeJson({
      resourceType: 'Bundle',
      type: 'history',
      entry: [
        { resource: { resourceType: 'Patient', id: 'p1', meta: { versionId: '3' }, gender: 'female' }, request: { method: 'PUT', url: 'Patient/p1' } },
        { request: { method: 'DELETE', url: 'Observation/o1' } },
        { resource: { resourceType: 'Patient', id: 'p1', meta: { versionId: '2' }, gender: 'unknown' }, request: { method: 'PUT', url: 'Patient/p1' } },
        { resource: { resourceType: 'Observation', id: 'o1', status: 'final' }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    const items = await collect(readImportPath(path));
    expect(resources(items)).toEqual([{ resourceType: 'Patient', id: 'p1', gender: 'female' }]);
    expect(errors(items).map((item) => item.message)).toEqual([`${path} entry 1: warning: the latest version in the history is a delete; not imported`]);
  });

  it('refuses Bundle types that are not data, and a duplicate fullUrl', async () => {
    const response = writeJson({ resourceType: 'Bundle', type: 'transaction-response', entry: [{ resource: { resourceType: 'Patient' } }] });
    expect(errors(await collect(readImportPath(response))).map((item) => item.message)).toEqual([
      `${response}: Bundle.type "transaction-response" is not importable (expected one of collection, transaction, batch, searchset, document, message, history)`,
    ]);
    const duplicate = writeJson({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: PATIENT_UUID, resource: { resourceType: 'Patient' } },
        { fullUrl: PATIENT_UUID, resource: { resourceType: 'Patient', id: 'other' } },
      ],
    });
    const items = await collect(readImportPath(duplicate));
    expect(resources(items)).toHaveLength(1);
    expect(errors(items)[0]!.message).toMatch(/entry 1: duplicate fullUrl/);
  });

  it('yields a single resource file as it is, without server-owned meta', async () => {
    const path = writeJson({ resourceType: 'Patient', id: 'solo', meta: { versionId: '12', lastUpdated: '2001-01-01T00:00:00Z' } });
    expect(await collect(readImportPath(path))).toEqual([{ kind: 'resource', location: { file: path }, resource: { resourceType: 'Patient', id: 'solo' } }]);
  });

  it('refuses a JSON file larger than maxBundleBytes from its size, with one error item', async () => {
    const path = writeJson({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Basic', text: 'x'.repeat(5000) } }] });
    const items = await collect(readImportPath(path, { limits: { maxBundleBytes: 4096 } }));
    expect(items).toEqual([expect.objectContaining({ kind: 'error', location: { file: path }, message: `${path}: JSON document is larger than 4 KiB; export it as NDJSON instead` })]);
  });

  it('rejects hostile JSON documents with one clear error each, in under a second', async () => {
    const cases: [string, string, RegExp][] = [
      ['array.json', '[{"resourceType":"Patient"}]', /the top level must be a JSON object/],
      ['deep.json', `{"resourceType":"Bundle","type":"collection","entry":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, /nested deeper than 64/],
      ['string.json', `{"resourceType":"Binary","data":"${'A'.repeat(50 * 1024 * 1024)}"}`, /a string is larger than 4 MiB/],
      ['proto.json', '{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","constructor":{"prototype":{}}}}]}', /forbidden key "constructor" at entry\[0\]\.resource/],
    ];
    for (const [name, text, message] of cases) {
      const path = join(temp.dir, name);
      writeFileSync(path, text);
      const start = performance.now();
      const items = await collect(readImportPath(path));
      expect(performance.now() - start, name).toBeLessThan(HANG_GUARD_MS);
      expect(items, name).toHaveLength(1);
      expect(items[0]!.kind, name).toBe('error');
      expect(items[0]!.kind === 'error' && items[0]!.message, name).toMatch(message);
    }
  });
});
