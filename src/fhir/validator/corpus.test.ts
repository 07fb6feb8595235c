import { describe, expect, it } from 'vitest';
import { HOSTILE_VECTORS } from '../../../test/helpers/hostile-vectors.ts';
import { loadFhirDefinitions } from '../definitions.ts';
import { ccdaRecords, demoRecords, medplumAccepts, syntheaRecords } from './corpus.test-helper.ts';
import { fastValidate } from './fast-validate.ts';

/**
 * The compiled validator against @medplum/core's validateResource on real-shaped data: the verdicts
 * must be equal record for record (compiled "valid" is only allowed where medplum accepts, and on
 * this data it must not send valid records to the slow path either).
 */
loadFhirDefinitions();

function disagreements(records: readonly unknown[]): { fast: boolean; medplum: boolean; record: string }[] {
  const out: { fast: boolean; medplum: boolean; record: string }[] = [];
  for (const record of records) {
    const fast = fastValidate(record);
    const medplum = medplumAccepts(record);
    if (fast !== medplum) out.push({ fast, medplum, record: JSON.stringify(record).slice(0, 2000) });
  }
  return out;
}

describe('compiled validator = medplum on real-shaped records', () => {
  it('every record of the demo family for three seeds', () => {
    const records = [...demoRecords([42, 7, 2024]), ...demoRecords([99], 4_000)];
    expect(records.length).toBeGreaterThan(20_000);
    expect(disagreements(records)).toEqual([]);
  });

  it('the Synthea fixture', () => {
    const records = syntheaRecords();
    expect(records.length).toBeGreaterThan(500);
    expect(disagreements(records)).toEqual([]);
  });

  it('the C-CDA sample, raw from @medplum/ccda and after Hearth’s fixups', async () => {
    const records = await ccdaRecords();
    expect(records.length).toBeGreaterThan(10);
    expect(disagreements(records)).toEqual([]);
  });

  it('the JSON documents of the bad-input corpus', () => {
    const documents: unknown[] = [];
    for (const [name, file, content] of HOSTILE_VECTORS) {
      // Refused by the JSON guard before validation (and too deep for JSON.stringify in a message).
      if (name.includes('deep')) continue;
      if (typeof content !== 'string' || !/\.(json|ndjson)$/.test(file) || content.length > 1_000_000) continue;
      for (const line of file.endsWith('.ndjson') ? content.split('\n') : [content]) {
        try {
          documents.push(JSON.parse(line));
        } catch {
          // Malformed JSON never reaches validation.
        }
      }
    }
    // test/bad-input.test.ts's mixed file and a few more edge shapes.
    documents.push(
      { resourceType: 'Patient', id: 'good-1' },
      { resourceType: 'Patient', id: 'good-2', active: 'yes' },
      { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1 }, valueString: 'x' },
      { resourceType: 'Patient', name: [] },
      { resourceType: 'Patient', name: [{}] },
      { resourceType: 'Observation', code: { text: 'x' } },
    );
    expect(documents.length).toBeGreaterThan(5);
    const verdicts = documents.map((d) => [fastValidate(d), medplumAccepts(d)]);
    // Compiled "valid" only where medplum accepts; the corpus has both kinds.
    for (let i = 0; i < documents.length; i++) if (verdicts[i]![0]) expect(verdicts[i]![1], JSON.stringify(documents[i]).slice(0, 500)).toBe(true);
    expect(verdicts.filter(([fast]) => fast).length).toBeGreaterThan(0);
    // Where medplum is lenient the compiled check leaves the verdict to it: a `__proto__` key (Hearth's
    // JSON guard refuses it before validation) and two properties of one choice element (a warning).
    expect(disagreements(documents).map((d) => [d.fast, d.medplum, d.record])).toEqual([
      [false, true, '{"resourceType":"Patient","__proto__":{"admin":true}}'],
      [false, true, '{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1},"valueString":"x"}'],
    ]);
  });
});
