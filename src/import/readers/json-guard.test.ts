import { describe, expect, it } from 'vitest';
import { HearthError } from '../../errors/hearth-error.ts';
import { parseJsonGuarded, stripServerOwnedMeta } from './json-guard.ts';
import { DEFAULT_READ_LIMITS } from './limits.ts';
import { HANG_GUARD_MS } from './readers.test-helper.ts';

const limits = DEFAULT_READ_LIMITS;

function rejection(text: string, custom = limits): HearthError {
  try {
    parseJsonGuarded(text, custom);
  } catch (error) {
    expect(error).toBeInstanceOf(HearthError);
    return error as HearthError;
  }
  throw new Error('expected a rejection');
}

describe('parseJsonGuarded', () => {
  it('returns the resource, unknown resource types included (validation comes later)', () => {
    expect(parseJsonGuarded('{"resourceType":"Patient","id":"p1"}', limits)).toEqual({ resourceType: 'Patient', id: 'p1' });
    expect(parseJsonGuarded('{"resourceType":"NotAType"}', limits)).toEqual({ resourceType: 'NotAType' });
  });

  it.each([
    ['[{"resourceType":"Patient"}]', /top level must be a JSON object.*not an array/],
    ['"Patient"', /not a string/],
    ['null', /not null/],
    ['{"resourceType":42}', /resourceType must be a non-empty string \(it is a number\)/],
    ['{"resourceType":["Patient"]}', /it is an array/],
    ['{"id":"x"}', /it is missing/],
    ['{"resourceType":""}', /non-empty string \(it is empty\)/],
  ])('rejects wrong JSON types: %s', (text, message) => {
    const error = rejection(text);
    expect(error.code).toBe('invalid');
    expect(error.message).toMatch(message);
  });

  it('rejects malformed JSON without echoing the input', () => {
    expect(rejection('{"resourceType":"Patient","name":"SECRET-NAME"]').message).toBe(
      "not valid JSON (expected ',' or '}' after property value at position 46)",
    );
    expect(rejection('{"resourceType":"Patient","name":SECRET}').message).toBe("not valid JSON (unexpected character 'S')");
    expect(rejection('{"resourceType":"Patient","name":"SECRET-NAME",}').message).toBe(
      'not valid JSON (expected double-quoted property name at position 47)',
    );
    expect(rejection('{"resourceType":"Patient"} SECRET').message).toBe(
      'not valid JSON (unexpected non-whitespace character after JSON at position 27)',
    );
  });

  it('rejects 10,000-deep nesting quickly, without a stack overflow', () => {
    for (const [open, close] of [
      ['[', ']'],
      ['{"a":', '}'],
    ] as const) {
      const text = `{"resourceType":"Patient","x":${open.repeat(10_000)}1${close.repeat(10_000)}}`;
      const start = performance.now();
      const error = rejection(text);
      expect(performance.now() - start).toBeLessThan(HANG_GUARD_MS);
      expect(error.code).toBe('too-large');
      expect(error.message).toBe('JSON nested deeper than 64 levels');
    }
  });

  it('counts depth outside strings only, and allows exactly the cap', () => {
    const brackets = '['.repeat(500);
    expect(parseJsonGuarded(`{"resourceType":"Basic","text":"${brackets}"}`, limits)['text']).toBe(brackets);
    const atCap = `{"resourceType":"Basic","x":${'['.repeat(63)}${']'.repeat(63)}}`;
    expect(() => parseJsonGuarded(atCap, limits)).not.toThrow();
    const overCap = `{"resourceType":"Basic","x":${'['.repeat(64)}${']'.repeat(64)}}`;
    expect(rejection(overCap).message).toMatch(/nested deeper/);
  });

  it('rejects a 50 MB string in under a second', () => {
    const text = `{"resourceType":"Binary","data":"${'A'.repeat(50 * 1024 * 1024)}"}`;
    const start = performance.now();
    const error = rejection(text);
    expect(performance.now() - start).toBeLessThan(HANG_GUARD_MS);
    expect(error.code).toBe('too-large');
    expect(error.message).toBe('a string is larger than 4 MiB');
  });

  it('measures strings in UTF-8 bytes', () => {
    const small = { ...limits, maxStringBytes: 20 };
    expect(() => parseJsonGuarded(`{"resourceType":"Basic","t":"${'é'.repeat(10)}"}`, small)).not.toThrow(); // 20 bytes
    expect(rejection(`{"resourceType":"Basic","t":"${'é'.repeat(11)}"}`, small).message).toBe('a string at t is larger than 20 bytes');
    expect(rejection(`{"resourceType":"Basic","t":"${'\\u00e9'.repeat(11)}"}`, small).message).toBe('a string at t is larger than 20 bytes');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects the key %s anywhere', (key) => {
    const error = rejection(`{"resourceType":"Patient","name":[{"given":["A"],"${key}":{"isAdmin":true}}]}`);
    expect(error.message).toBe(`forbidden key "${key}" at name[0]`);
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });
});

describe('stripServerOwnedMeta', () => {
  it('drops versionId and lastUpdated, keeps the rest of meta, and cleans contained resources', () => {
    const resource = parseJsonGuarded(
      JSON.stringify({
        resourceType: 'Observation',
        meta: { versionId: '7', lastUpdated: '2030-01-01T00:00:00Z', profile: ['http://example.org/p'], tag: [{ code: 't' }] },
        contained: [{ resourceType: 'Patient', meta: { versionId: '2', lastUpdated: '2030-01-01T00:00:00Z' } }],
      }),
      limits,
    );
    stripServerOwnedMeta(resource);
    expect(resource['meta']).toEqual({ profile: ['http://example.org/p'], tag: [{ code: 't' }] });
    expect(resource['contained']).toEqual([{ resourceType: 'Patient' }]);
  });
});
