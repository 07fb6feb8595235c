import type { DiagnosticReport, DocumentReference, Observation, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateFhirResource } from '../fhir/validate.ts';
import { demoFamily, generatePersonRecords, type DemoPersonPlan } from './index.ts';

const SEED = 20_260_101;

interface PersonStream {
  person: DemoPersonPlan;
  resources: Resource[];
}

let family: PersonStream[] = [];

beforeAll(() => {
  family = demoFamily(SEED).map((person) => ({ person, resources: [...generatePersonRecords(person, { seed: SEED })] }));
});

const all = (): Resource[] => family.flatMap((stream) => stream.resources);
const ofType = <T extends Resource>(type: T['resourceType']): T[] => all().filter((resource): resource is T => resource.resourceType === type);

/** Every "Type/id" a resource points at: Reference.reference anywhere, plus attachment URLs. */
function pointers(resource: Resource): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (value !== null && typeof value === 'object') {
      for (const [childKey, child] of Object.entries(value)) walk(child, childKey);
    } else if (typeof value === 'string' && (key === 'reference' || (key === 'url' && /^[A-Z][A-Za-z]+\//.test(value)))) {
      found.push(value);
    }
  };
  walk(resource, '');
  return found;
}

describe('a person outside the demo family', () => {
  it('gets a story chosen by age and valid, self-contained records', () => {
    const friend: DemoPersonPlan = { key: 'friend', name: 'Ada Moreau', given: 'Ada', family: 'Moreau', gender: 'female', birthDate: '1994-07-19' };
    const resources = [...generatePersonRecords(friend, { seed: 3 })];
    expect(resources.length).toBeGreaterThan(400);
    const seen = new Set<string>();
    for (const resource of resources) {
      expect(() => validateFhirResource(resource)).not.toThrow();
      for (const pointer of pointers(resource)) expect(seen.has(pointer), pointer).toBe(true);
      seen.add(`${resource.resourceType}/${resource.id}`);
    }
  });

  it('refuses a target or birth date it cannot honour', () => {
    const [person] = demoFamily(1);
    expect(() => [...generatePersonRecords(person!, { seed: 1, targetResources: 0 })]).toThrow(/targetResources/);
    expect(() => [...generatePersonRecords({ ...person!, birthDate: '2030-01-01' }, { seed: 1 })]).toThrow(/birthDate/);
  });
});

describe('demo family records (default size)', () => {
  it('has four people of the planned ages and 500-1500 resources each', () => {
    expect(family.map((stream) => stream.person.key)).toEqual(['parent-1', 'parent-2', 'child', 'grandparent']);
    for (const { person, resources } of family) {
      expect(resources.length, person.key).toBeGreaterThanOrEqual(450);
      expect(resources.length, person.key).toBeLessThanOrEqual(1500);
    }
  });

  it('every resource passes FHIR R4 validation', () => {
    const failures: string[] = [];
    for (const resource of all()) {
      try {
        validateFhirResource(resource);
      } catch (error) {
        failures.push(`${resource.resourceType}/${resource.id}: ${(error as Error).message}`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it('yields the Patient first and only references resources already yielded in the same stream', () => {
    for (const { person, resources } of family) {
      expect(resources[0]?.resourceType).toBe('Patient');
      const seen = new Set<string>();
      const dangling: string[] = [];
      for (const resource of resources) {
        for (const pointer of pointers(resource)) if (!seen.has(pointer)) dangling.push(`${resource.resourceType} -> ${pointer}`);
        const key = `${resource.resourceType}/${resource.id}`;
        expect(seen.has(key), `duplicate ${key} in ${person.key}`).toBe(false);
        seen.add(key);
      }
      expect(dangling, person.key).toEqual([]);
    }
  });

  it('codes every lab result with LOINC, a UCUM quantity, a reference range and an interpretation', () => {
    const labs = ofType<Observation>('Observation').filter((observation) => observation.category?.[0]?.coding?.[0]?.code === 'laboratory');
    expect(labs.length).toBeGreaterThan(500);
    for (const lab of labs) {
      expect(lab.code.coding?.[0]?.system).toBe('http://loinc.org');
      expect(lab.code.coding?.[0]?.code).toMatch(/^\d+-\d$/);
      expect(lab.code.text).toBeTruthy();
      expect(lab.valueQuantity?.system).toBe('http://unitsofmeasure.org');
      expect(lab.valueQuantity?.code).toBeTruthy();
      expect(typeof lab.valueQuantity?.value).toBe('number');
      const range = lab.referenceRange?.[0];
      expect(range?.low ?? range?.high).toBeDefined();
      expect(lab.interpretation?.[0]?.coding?.[0]?.system).toBe('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation');
      expect(['H', 'L', 'N']).toContain(lab.interpretation?.[0]?.coding?.[0]?.code);
    }
    const flags = new Set(labs.map((lab) => lab.interpretation?.[0]?.coding?.[0]?.code));
    expect(flags).toEqual(new Set(['H', 'L', 'N']));
  });

  it('groups lab results under CBC, BMP and lipid panel reports that list them', () => {
    const reports = ofType<DiagnosticReport>('DiagnosticReport');
    const panelCodes = new Set(reports.map((report) => report.code.coding?.[0]?.code));
    for (const code of ['58410-2', '51990-0', '57698-3', '4548-4', '3016-3']) expect(panelCodes, code).toContain(code);
    const observationIds = new Set(ofType<Observation>('Observation').map((observation) => `Observation/${observation.id}`));
    for (const report of reports) {
      expect(report.result?.length).toBeGreaterThan(0);
      for (const result of report.result ?? []) expect(observationIds).toContain(result.reference);
    }
  });

  it('records blood pressure as a panel with systolic and diastolic components', () => {
    const pressures = ofType<Observation>('Observation').filter((observation) => observation.code.coding?.[0]?.code === '85354-9');
    expect(pressures.length).toBeGreaterThan(50);
    for (const pressure of pressures) {
      expect(pressure.category?.[0]?.coding?.[0]?.code).toBe('vital-signs');
      expect(pressure.component?.map((component) => component.code.coding?.[0]?.code)).toEqual(['8480-6', '8462-4']);
      expect(pressure.component?.every((component) => component.valueQuantity?.code === 'mm[Hg]')).toBe(true);
    }
    const vitalCodes = new Set(ofType<Observation>('Observation').map((observation) => observation.code.coding?.[0]?.code));
    for (const code of ['29463-7', '8302-2', '39156-5', '8867-4']) expect(vitalCodes, code).toContain(code);
  });

  it('covers the clinical story: settings, statuses, allergies, vaccines, notes', () => {
    const classes = new Set(ofType<Resource & { class: { code: string } }>('Encounter').map((encounter) => encounter.class.code));
    expect(classes).toEqual(new Set(['AMB', 'EMER', 'IMP', 'VR']));
    const conditionStatuses = new Set(all().flatMap((resource) => (resource.resourceType === 'Condition' ? [resource.clinicalStatus?.coding?.[0]?.code] : [])));
    expect(conditionStatuses).toEqual(new Set(['active', 'resolved']));
    const conditionCodes = new Set(all().flatMap((resource) => (resource.resourceType === 'Condition' ? [resource.code?.coding?.[0]?.code] : [])));
    for (const snomed of ['59621000', '44054006', '10509002', '367498001']) expect(conditionCodes, snomed).toContain(snomed);
    const medicationStatuses = new Set(all().flatMap((resource) => (resource.resourceType === 'MedicationRequest' ? [resource.status] : [])));
    expect(medicationStatuses).toEqual(new Set(['active', 'stopped', 'completed']));
    const allergens = all().flatMap((resource) => (resource.resourceType === 'AllergyIntolerance' ? [resource.code?.text] : []));
    expect(allergens).toEqual(expect.arrayContaining(['Penicillin', 'Peanut']));
    const vaccines = new Set(all().flatMap((resource) => (resource.resourceType === 'Immunization' ? [resource.vaccineCode.coding?.[0]?.code] : [])));
    for (const cvx of ['08', '20', '03', '150', '208']) expect(vaccines, cvx).toContain(cvx);
    expect(ofType('Procedure').length).toBeGreaterThan(5);
  });

  it('attaches notes inline as base64 text or through a Binary', () => {
    const documents = ofType<DocumentReference>('DocumentReference');
    const inline = documents.filter((document) => document.content[0]?.attachment.data !== undefined);
    const linked = documents.filter((document) => document.content[0]?.attachment.url?.startsWith('Binary/'));
    expect(inline.length).toBeGreaterThan(50);
    expect(linked.length).toBeGreaterThanOrEqual(2);
    const text = Buffer.from(inline[0]!.content[0]!.attachment.data!, 'base64').toString('utf8');
    expect(inline[0]!.content[0]!.attachment.contentType).toBe('text/plain');
    expect(text).toContain('Reason for visit:');
    expect(text).toContain(family[0]!.person.name);
  });
});
