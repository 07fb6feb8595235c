import { describe, expect, it } from 'vitest';
import { CODE_SUBSETS, codeSubset, searchCodes } from './code-subsets.ts';

// The shipped subsets were written by hand: their codes' own check digits catch a mistyped code.

/** LOINC's check digit is the Luhn mod-10 digit of the part before the hyphen (loinc.org, "LOINC check digit"). */
function loincCheckDigit(body: string): number {
  let sum = 0;
  [...body].reverse().forEach((char, index) => {
    let digit = Number(char);
    if (index % 2 === 0) digit *= 2;
    sum += digit > 9 ? digit - 9 : digit;
  });
  return (10 - (sum % 10)) % 10;
}

// SNOMED CT identifiers end in a Verhoeff check digit (SNOMED CT Technical Implementation Guide, "Check-digit").
const D = [[0,1,2,3,4,5,6,7,8,9],[1,2,3,4,0,6,7,8,9,5],[2,3,4,0,1,7,8,9,5,6],[3,4,0,1,2,8,9,5,6,7],[4,0,1,2,3,9,5,6,7,8],[5,9,8,7,6,0,4,3,2,1],[6,5,9,8,7,1,0,4,3,2],[7,6,5,9,8,2,1,0,4,3],[8,7,6,5,9,3,2,1,0,4],[9,8,7,6,5,4,3,2,1,0]];
const P = [[0,1,2,3,4,5,6,7,8,9],[1,5,7,6,2,8,3,0,9,4],[5,8,0,3,7,9,6,1,4,2],[8,9,1,6,0,4,3,5,2,7],[9,4,5,3,1,2,6,8,7,0],[4,2,8,6,5,7,3,9,0,1],[2,7,9,3,8,0,6,4,1,5],[7,0,4,6,9,1,3,2,5,8]];
const verhoeffValid = (id: string) => [...id].reverse().reduce((c, char, index) => D[c]![P[index % 8]![Number(char)]!]!, 0) === 0;

describe('shipped code subsets', () => {
  it('have unique, well-formed codes with a display each', () => {
    for (const name of CODE_SUBSETS) {
      const { entries, attribution } = codeSubset(name);
      expect(attribution.length, name).toBeGreaterThan(40);
      expect(entries.length, name).toBeGreaterThan(50);
      expect(new Set(entries.map((entry) => entry.code)).size, `${name}: duplicate codes`).toBe(entries.length);
      for (const entry of entries) expect(entry.display.trim(), `${name} ${entry.code}`).not.toBe('');
    }
  });

  it('LOINC codes carry their check digit', () => {
    expect([loincCheckDigit('2345'), loincCheckDigit('2346')]).toEqual([7, 5]);
    for (const { code } of codeSubset('loinc').entries) {
      const [body, check] = code.split('-');
      expect(`${code}: ${loincCheckDigit(body!)}`).toBe(`${code}: ${check}`);
    }
  });

  it('SNOMED CT concept ids pass Verhoeff and are concept ids', () => {
    expect([verhoeffValid('195967001'), verhoeffValid('195967002'), verhoeffValid('195976001')]).toEqual([true, false, false]);
    for (const { code } of codeSubset('snomed').entries) {
      expect(verhoeffValid(code), code).toBe(true);
      expect(['00', '10'], code).toContain(code.slice(-3, -1));
    }
  });

  it('RxNorm and CVX codes are plain numbers', () => {
    for (const { code } of codeSubset('rxnorm').entries) expect(code).toMatch(/^[1-9]\d{1,7}$/);
    for (const { code } of codeSubset('cvx').entries) expect(code).toMatch(/^\d{2,3}$/);
  });

  it('searches by code, display start and word prefixes, best first', () => {
    expect(searchCodes('loinc', '2345-7')[0]?.code).toBe('2345-7');
    expect(searchCodes('snomed', 'diabetes')[0]?.display).toMatch(/^Diabetes/);
    expect(searchCodes('snomed', 'kidney stage 3').map((entry) => entry.code)).toEqual(['433144002']);
    expect(searchCodes('loinc', 'glucose', { kind: 'vital' })).toEqual([]);
    expect(searchCodes('cvx', '', { limit: 5 })).toHaveLength(5);
    expect(() => searchCodes('cvx', 'x'.repeat(101))).toThrow(/too long/);
  });
});
