import { describe, expect, it } from 'vitest';
import { dueImmunisations } from './immunisation-schedule.ts';

const TODAY = new Date('2026-11-22T12:00:00Z');
const keys = (list: { key: string }[]) => list.map((status) => status.key);

describe('dueImmunisations', () => {
  it('applies only the rules of the person’s age', () => {
    const adult = dueImmunisations('1980-08-11', [], TODAY);
    expect(keys(adult)).toEqual(['influenza', 'td']);
    const elder = dueImmunisations('1950-03-01', [], TODAY);
    expect(keys(elder)).toEqual(['influenza', 'td', 'zoster', 'pneumococcal']);
    const child = dueImmunisations('2016-05-01', [], TODAY);
    expect(keys(child)).toEqual(['influenza', 'hepb', 'polio', 'mmr', 'varicella']);
    const baby = dueImmunisations('2026-10-01', [], TODAY);
    expect(keys(baby)).toEqual(['hepb']);
    expect(dueImmunisations(undefined, [], TODAY)).toEqual([]);
  });

  it('a yearly vaccine is due a year after the last dose, up to date before', () => {
    const recent = dueImmunisations('1980-08-11', [{ cvx: '150', date: '2026-10-01' }], TODAY).find((s) => s.key === 'influenza')!;
    expect(recent).toMatchObject({ status: 'up-to-date', lastGiven: '2026-10-01', nextDue: '2027-10-01', dosesGiven: 1 });
    const old = dueImmunisations('1980-08-11', [{ cvx: '150', date: '2025-10-01' }, { cvx: '88', date: '2024-10-01' }], TODAY).find((s) => s.key === 'influenza')!;
    expect(old).toMatchObject({ status: 'due', lastGiven: '2025-10-01', nextDue: '2026-10-01', dosesGiven: 2 });
  });

  it('a series is due until all its doses are recorded; combination vaccines count for each part', () => {
    // CVX 94 is MMRV: one dose counts for MMR and for varicella.
    const given = [{ cvx: '94', date: '2017-06-01' }, { cvx: '03', date: '2020-06-01' }];
    const child = dueImmunisations('2016-05-01', given, TODAY);
    expect(child.find((s) => s.key === 'mmr')).toMatchObject({ status: 'up-to-date', dosesGiven: 2, dosesNeeded: 2 });
    expect(child.find((s) => s.key === 'varicella')).toMatchObject({ status: 'due', dosesGiven: 1, dosesNeeded: 2 });
    expect(child.find((s) => s.key === 'hepb')?.rule).toMatch(/typically/);
  });
});
