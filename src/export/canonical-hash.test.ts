import type { Basic, Patient } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordStore } from '../records/record-store.ts';
import { tempVault } from '../../test/helpers/temp-vault.ts';
import { canonicalHash, canonicalJson, withoutStoreMeta } from './canonical-hash.ts';

describe('canonicalJson and withoutStoreMeta', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('drops versionId, lastUpdated and source, and keeps tags and profiles', () => {
    const record = { resourceType: 'Basic', id: 'x', meta: { versionId: '3', lastUpdated: '2026-01-01T00:00:00Z', source: 'a', tag: [{ code: 't' }] } };
    expect(withoutStoreMeta(record)).toEqual({ resourceType: 'Basic', id: 'x', meta: { tag: [{ code: 't' }] } });
    expect(withoutStoreMeta({ resourceType: 'Basic', meta: { versionId: '1' } })).toEqual({ resourceType: 'Basic' });
  });
});

describe('canonicalHash over a vault', () => {
  let first: ReturnType<typeof tempVault>;
  let second: ReturnType<typeof tempVault>;
  beforeEach(() => {
    first = tempVault();
    second = tempVault();
  });
  afterEach(() => {
    first.dispose();
    second.dispose();
  });

  it('is equal for the same content written in another order and version, and differs when content differs', () => {
    const a = recordStore(first.db);
    const b = recordStore(second.db);
    const patient: Patient = { resourceType: 'Patient', id: 'p', name: [{ family: 'Doe' }] };
    const note: Basic = { resourceType: 'Basic', id: 'n', code: { text: 'note' } };
    a.writeIsolated(patient, { sourceId: 's' });
    a.writeIsolated(note, { sourceId: 's' });
    b.writeIsolated({ ...note, code: { text: 'draft' } }, { sourceId: 't' });
    b.writeIsolated(note, { sourceId: 't' });
    b.writeIsolated(patient, { sourceId: 't' });
    const hashA = canonicalHash(first.db);
    expect(hashA).toEqual(canonicalHash(second.db));
    expect(hashA.counts).toEqual({ Basic: 1, Patient: 1 });
    expect(hashA.count).toBe(2);
    b.writeIsolated({ ...patient, name: [{ family: 'Roe' }] }, { sourceId: 't' });
    expect(canonicalHash(second.db).sha256).not.toBe(hashA.sha256);
    b.remove('Basic', 'n', { sourceId: 't' });
    expect(canonicalHash(second.db).counts).toEqual({ Patient: 1 });
  });
});
