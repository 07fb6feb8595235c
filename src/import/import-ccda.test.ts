import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { recordStore } from '../records/record-store.ts';
import { searchVault } from '../search/index.ts';
import { importFiles } from './import-service.ts';

const CCD = join(import.meta.dirname, 'readers', 'fixtures', 'ccd-sample.xml');

describe('importing a C-CDA document', () => {
  let instance: Awaited<ReturnType<typeof tempInstance>>;
  let personId: string;
  beforeAll(async () => {
    instance = await tempInstance();
    personId = instance.people.add('CCD Person').id;
  });
  afterAll(() => instance.dispose());

  it('stores every converted resource, valid and searchable, and is idempotent', async () => {
    const [first] = await importFiles(instance, { actor: 'test', paths: [CCD], target: { kind: 'person', personId } });
    expect(first!.errors).toEqual([]);
    const types = Object.keys(first!.byType).sort();
    expect(types).toEqual(expect.arrayContaining(['AllergyIntolerance', 'Composition', 'Condition', 'Immunization', 'MedicationRequest', 'Observation', 'Patient']));
    const vault = instance.people.openVault(personId);
    try {
      const patients = searchVault(vault.db, 'Patient?_count=5').resources;
      expect(patients).toHaveLength(1);
      const observations = searchVault(vault.db, `Observation?subject=Patient/${patients[0]!.id}`);
      expect(observations.total).toBeGreaterThan(0);
      const before = recordStore(vault.db).counts();
      const [again] = await importFiles(instance, { actor: 'test', paths: [CCD], target: { kind: 'person', personId } });
      expect(Object.values(again!.byType).every((c) => c.created === 0 && c.updated === 0)).toBe(true);
      expect(recordStore(vault.db).counts()).toEqual(before);
    } finally {
      vault.close();
    }
  });
});
