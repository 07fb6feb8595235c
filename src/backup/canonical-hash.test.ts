import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalResourcesHash } from './canonical-hash.ts';

describe('canonical hash', () => {
  it('ignores key order, resource order and volatile meta, but not content', () => {
    const a = { resourceType: 'Patient', id: 'p1', meta: { versionId: '1', lastUpdated: '2020' }, name: [{ family: 'A', given: ['B'] }] };
    const b = { name: [{ given: ['B'], family: 'A' }], id: 'p1', resourceType: 'Patient', meta: { versionId: '7', lastUpdated: '2024' } };
    const o = { resourceType: 'Observation', id: 'o1', status: 'final' };
    expect(canonicalResourcesHash([a, o])).toBe(canonicalResourcesHash([o, b]));
    expect(canonicalResourcesHash([a, o])).not.toBe(canonicalResourcesHash([a, { ...o, status: 'amended' }]));
    expect(canonicalResourcesHash([a])).not.toBe(canonicalResourcesHash([a, o]));
  });
  it('keeps array order, which FHIR gives meaning', () => {
    expect(canonicalJson({ x: [1, 2] })).not.toBe(canonicalJson({ x: [2, 1] }));
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });
});
