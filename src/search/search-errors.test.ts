import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HearthError } from '../errors/hearth-error.ts';
import { FIXTURE, openTestVault, type TestVault } from './test-vault.ts';

let vault: TestVault;
beforeAll(() => {
  vault = openTestVault(FIXTURE);
});
afterAll(() => vault.close());

function failure(query: string): string {
  try {
    vault.search(query);
  } catch (error) {
    expect(error).toBeInstanceOf(HearthError);
    return `${(error as HearthError).code}: ${(error as Error).message}`;
  }
  return 'accepted';
}

describe('search errors', () => {
  it('names an unknown parameter or type', () => {
    expect(failure('Observation?foo=1')).toBe('invalid: unknown search parameter "foo" for Observation');
    expect(failure('Observation?name=x')).toBe('invalid: unknown search parameter "name" for Observation');
    expect(failure('Foo?x=1')).toBe('invalid: unknown resource type "Foo"');
    expect(failure('Observation?_sort=foo')).toBe('invalid: cannot sort by unknown search parameter "foo" for Observation');
  });

  it('rejects composite and special parameters as unsupported', () => {
    expect(failure('Observation?code-value-quantity=http://loinc.org|4548-4$lt7')).toBe(
      'unsupported: composite search parameter "code-value-quantity" of Observation is not supported',
    );
    expect(failure('Location?near=42.2|-83.7|10|km')).toBe('unsupported: search parameter "near" (special) of Location is not supported');
  });

  it('tells a modifier FHIR defines but Hearth does not implement from one that is wrong', () => {
    expect(failure('Observation?code:in=http://example.org/vs')).toBe('unsupported: modifier ":in" on token parameter "code" is not supported');
    expect(failure('Patient?identifier:of-type=x')).toBe('unsupported: modifier ":of-type" on token parameter "identifier" is not supported');
    expect(failure('Observation?code:exact=x')).toBe('invalid: modifier ":exact" is not valid on token parameter "code"');
    expect(failure('Patient?name:exakt=x')).toBe('invalid: modifier ":exakt" is not valid on string parameter "name"');
    expect(failure('Observation?date:exact=2020')).toBe('invalid: modifier ":exact" is not valid on date parameter "date"');
    expect(failure('Observation?code:missing=maybe')).toBe('invalid: code:missing takes true or false, not "maybe"');
    expect(failure('Observation?_text:exact=x')).toBe('invalid: modifier ":exact" is not valid on _text');
  });

  it('says what a value should have looked like', () => {
    expect(failure('Observation?date=yesterday')).toBe(
      'invalid: "yesterday" is not a valid value for date parameter "date": expected an optional prefix and a date, e.g. ge2020-01-15 or 2021-03-04T10:00:00Z',
    );
    expect(failure('Observation?date=2020-13')).toContain('invalid: "2020-13" is not a valid value');
    expect(failure('Observation?date=ge')).toContain('invalid: "ge" is not a valid value');
    expect(failure('Observation?value-quantity=five')).toContain('invalid: "five" is not a valid value for quantity parameter "value-quantity"');
    expect(failure('Observation?value-quantity=5|mg')).toContain('invalid: "5|mg" is not a valid value');
    expect(failure('RiskAssessment?probability=1,x')).toContain('invalid: "x" is not a valid value for number parameter "probability"');
    expect(failure('Observation?code=a|b|c')).toContain('invalid: "a|b|c" is not a valid value for token parameter "code"');
    expect(failure('Observation?code=|')).toContain('invalid: "|" is not a valid value');
  });

  it('accepts an escaped separator as part of the value', () => {
    expect(failure('Observation?code=a\\|b\\,c')).toBe('accepted');
  });
});
