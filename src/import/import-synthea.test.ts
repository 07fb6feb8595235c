import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNTHEA_DIR, tempInstance } from '../../test/helpers/temp-instance.ts';
import { recordStore } from '../records/record-store.ts';
import { importFiles } from './import-service.ts';

type Instance = Awaited<ReturnType<typeof tempInstance>>;

const inputLines = () =>
  readdirSync(SYNTHEA_DIR)
    .filter((name) => name.endsWith('.ndjson'))
    .flatMap((name) => readFileSync(join(SYNTHEA_DIR, name), 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as { resourceType: string; id: string });

describe('importing the Synthea sample export into one person', () => {
  let instance: Instance;
  let personId: string;
  beforeAll(async () => {
    instance = await tempInstance();
    personId = instance.people.add('Everyone').id;
  });
  afterAll(() => instance.dispose());

  it('imports every resource with zero errors and finds each again, unchanged', async () => {
    const [report] = await importFiles(instance, { actor: 'test', paths: [SYNTHEA_DIR], target: { kind: 'person', personId } });
    expect(report!.errors).toEqual([]);
    expect(report!.errorCount).toBe(0);
    expect(report!.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/holds 13 patients.*--split-by-patient/)]);
    const resources = inputLines();
    expect(resources.length).toBe(7160);
    const created = Object.values(report!.byType).reduce((sum, c) => sum + c.created, 0);
    expect(created).toBe(resources.length);
    const vault = instance.people.openVault(personId);
    const store = recordStore(vault.db);
    for (const input of resources) {
      const stored = store.read(input.resourceType, input.id);
      expect(stored, `${input.resourceType}/${input.id}`).toBeDefined();
      const { meta, ...storedContent } = stored as { meta?: Record<string, unknown> };
      const { meta: inputMeta, ...inputContent } = input as { meta?: Record<string, unknown> };
      expect(storedContent).toEqual(inputContent);
      expect(meta).toMatchObject({ ...(inputMeta ?? {}), versionId: '1' });
    }
    // Synthea refers to practitioners and locations by identifier; all of them resolve.
    expect(report!.unresolvedReferences).toBe(0);
    vault.close();
  });

  it('changes nothing when the same files are imported again', async () => {
    const [again] = await importFiles(instance, { actor: 'test', paths: [SYNTHEA_DIR], target: { kind: 'person', personId } });
    const totals = Object.values(again!.byType).reduce((sum, c) => ({ created: sum.created + c.created, updated: sum.updated + c.updated, unchanged: sum.unchanged + c.unchanged }), { created: 0, updated: 0, unchanged: 0 });
    expect(totals).toEqual({ created: 0, updated: 0, unchanged: 7160 });
    const vault = instance.people.openVault(personId);
    expect(vault.db.prepare('SELECT count(*) FROM resource_versions').pluck().get()).toBe(7160);
    vault.close();
  });
});

describe('splitting a family export by patient', () => {
  it('creates one person per Patient with their own records and the shared ones, once', async () => {
    const instance = await tempInstance();
    try {
      const reports = await importFiles(instance, { actor: 'test', paths: [SYNTHEA_DIR], target: { kind: 'split-by-patient' } });
      expect(reports).toHaveLength(13);
      expect(instance.people.list()).toHaveLength(13);
      const patients = inputLines().filter((r) => r.resourceType === 'Patient');
      const encounters = inputLines().filter((r) => r.resourceType === 'Encounter') as unknown as { id: string; subject: { reference: string } }[];
      for (const report of reports) {
        expect(report.errorCount).toBe(0);
        expect(report.warnings).toEqual([]);
        const vault = instance.people.openVault(report.personId);
        const store = recordStore(vault.db);
        const ownPatients = store.counts().find((c) => c.type === 'Patient')?.count;
        expect(ownPatients).toBe(1);
        const patientId = vault.db.prepare("SELECT id FROM resources WHERE type = 'Patient'").pluck().get() as string;
        const expected = encounters.filter((e) => e.subject.reference === `Patient/${patientId}`).length;
        expect(store.counts().find((c) => c.type === 'Encounter')?.count ?? 0).toBe(expected);
        // Shared records (organisations, practitioners) are in every vault.
        expect(store.counts().find((c) => c.type === 'Organization')?.count).toBe(43);
        vault.close();
      }
      expect(new Set(reports.map((r) => r.personId)).size).toBe(patients.length);
      // A second run links to the same people instead of creating new ones.
      const again = await importFiles(instance, { actor: 'test', paths: [SYNTHEA_DIR], target: { kind: 'split-by-patient' } });
      expect(again.map((r) => r.personId).sort()).toEqual(reports.map((r) => r.personId).sort());
      expect(instance.people.list()).toHaveLength(13);
    } finally {
      instance.dispose();
    }
  });
});
