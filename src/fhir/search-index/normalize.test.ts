import { describe, expect, it } from 'vitest';
import { extractIndexRows } from './extract.ts';
import { normalizeString } from './normalize.ts';

describe('normalizeString (search.html#string: case- and accent-insensitive)', () => {
  it('removes accents and case', () => {
    expect(normalizeString('Zoë')).toBe('zoe');
    expect(normalizeString('MÜLLER')).toBe('muller');
    expect(normalizeString('José Ñúñez')).toBe('jose nunez');
    expect(normalizeString('İstanbul')).toBe('istanbul');
  });
  it('folds compatibility forms', () => {
    expect(normalizeString('ﬁnn')).toBe('finn');
    expect(normalizeString('ＡＢＣ')).toBe('abc');
  });
  it('collapses and trims whitespace', () => {
    expect(normalizeString('  Mary \t Ann\n ')).toBe('mary ann');
    expect(normalizeString('Anne\u00a0Marie')).toBe('anne marie');
  });
  it('leaves already-normal ASCII as it is', () => {
    expect(normalizeString('smith')).toBe('smith');
    expect(normalizeString('Smith')).toBe('smith');
  });
});

describe('string rows', () => {
  it('HumanName gives one row per part, Address one per component', () => {
    const rows = extractIndexRows({
      resourceType: 'Patient', id: 'p',
      name: [{ family: 'Müller', given: ['Zoë', 'Anne'], prefix: ['Dr.'], suffix: ['PhD'], text: 'Dr. Zoë Anne Müller' }],
      address: [{ line: ['1 Rue de l’Église'], city: 'Montréal', district: 'Ville-Marie', state: 'QC', postalCode: 'H2X 1Y4', country: 'CA' }],
    });
    expect(rows.strings.filter((row) => row.param === 'name')).toEqual([
      { param: 'name', value: 'muller', raw: 'Müller' },
      { param: 'name', value: 'zoe', raw: 'Zoë' },
      { param: 'name', value: 'anne', raw: 'Anne' },
      { param: 'name', value: 'dr.', raw: 'Dr.' },
      { param: 'name', value: 'phd', raw: 'PhD' },
      { param: 'name', value: 'dr. zoe anne muller', raw: 'Dr. Zoë Anne Müller' },
    ]);
    expect(rows.strings.filter((row) => row.param === 'address').map((row) => row.value)).toEqual([
      '1 rue de l’eglise', 'montreal', 'ville-marie', 'qc', 'h2x 1y4', 'ca',
    ]);
    expect(rows.strings.filter((row) => row.param === 'address-city')).toEqual([{ param: 'address-city', value: 'montreal', raw: 'Montréal' }]);
    expect(rows.strings.filter((row) => row.param === 'family')).toEqual([{ param: 'family', value: 'muller', raw: 'Müller' }]);
  });
});
