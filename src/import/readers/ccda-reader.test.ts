import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertCcdaToFhir, convertXmlToCcda } from '@medplum/ccda';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { validateFhirResource } from '../../fhir/validate.ts';
import { readImportPath } from './index.ts';
import { collect, errors, makeTempDir, resources, HANG_GUARD_MS } from './readers.test-helper.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'ccd-sample.xml');
const SAMPLE = readFileSync(FIXTURE, 'utf8');

const temp = makeTempDir();
afterAll(temp.remove);
afterEach(() => vi.restoreAllMocks());

let counter = 0;
function writeXml(text: string): string {
  const path = join(temp.dir, `document-${counter++}.xml`);
  writeFileSync(path, text);
  return path;
}

type Json = Record<string, any>;

async function readSample(text = SAMPLE): Promise<Json[]> {
  const items = await collect(readImportPath(writeXml(text)));
  expect(errors(items)).toEqual([]);
  return resources(items) as Json[];
}

function byType(all: Json[], type: string): Json[] {
  return all.filter((resource) => resource['resourceType'] === type);
}

function validationProblems(all: Json[]): string[] {
  const problems: string[] = [];
  for (const resource of all) {
    try {
      validateFhirResource(resource);
    } catch (error) {
      problems.push(`${resource['resourceType']}/${resource['id']}: ${(error as Error).message}`);
    }
  }
  return problems;
}

describe('C-CDA conversion of a realistic CCD', () => {
  it('fails validation without our fix-ups (so the fix-ups are needed)', () => {
    const bundle = JSON.parse(JSON.stringify(convertCcdaToFhir(convertXmlToCcda(SAMPLE), { ignoreUnsupportedSections: true })));
    const problems = validationProblems(bundle.entry.map((entry: Json) => entry['resource']));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(/Invalid dateTime format/);
  });

  it('yields resources of every section that all pass validateFhirResource', async () => {
    const all = await readSample();
    expect(validationProblems(all)).toEqual([]);
    const counts = Object.fromEntries(['Composition', 'Patient', 'AllergyIntolerance', 'Condition', 'MedicationRequest', 'Immunization', 'Observation'].map((type) => [type, byType(all, type).length]));
    expect(counts).toEqual({ Composition: 1, Patient: 1, AllergyIntolerance: 1, Condition: 2, MedicationRequest: 2, Immunization: 1, Observation: 9 });
  });

  it('gives the same ids on every import of the same document, and every reference resolves', async () => {
    const first = await readSample();
    const second = await readSample();
    expect(second.map((resource) => resource['id'])).toEqual(first.map((resource) => resource['id']));
    const keys = first.map((resource) => `${resource['resourceType']}/${resource['id']}`);
    expect(new Set(keys).size).toBe(keys.length);
    const references = JSON.stringify(first).match(/"reference":"[^"#]+"/g) ?? [];
    expect(references.length).toBeGreaterThan(20);
    for (const reference of references) expect(keys).toContain(reference.slice('"reference":"'.length, -1));
  });

  it('keeps dates at the precision of the document and zones in FHIR form', async () => {
    const all = await readSample();
    const [patient] = byType(all, 'Patient');
    const [composition] = byType(all, 'Composition');
    const [diabetes, hypertension] = byType(all, 'Condition');
    const [immunization] = byType(all, 'Immunization');
    expect(patient!['birthDate']).toBe('1958-07-23');
    expect(composition!['date']).toBe('2024-03-12T14:30:00-05:00');
    expect(diabetes!['onsetDateTime']).toBe('2016-04-09');
    expect(hypertension!['onsetDateTime']).toBe('2014-03');
    expect(immunization!['occurrenceDateTime']).toBe('2023-10-02');
    expect(byType(all, 'MedicationRequest')[0]!['authoredOn']).toBe('2016-04-09T10:15:00-05:00');
    const a1c = byType(all, 'Observation').find((observation) => observation['code'].coding[0].code === '4548-4')!;
    expect(a1c['effectiveDateTime']).toBe('2024-02-27T08:15:00-06:00');
  });

  it('repairs what the converter gets wrong in each section', async () => {
    const all = await readSample();
    const [allergy] = byType(all, 'AllergyIntolerance');
    expect(allergy!['category']).toEqual(['medication']);
    expect(allergy!['type']).toBeUndefined();

    const [metformin, lisinopril] = byType(all, 'MedicationRequest');
    expect(metformin!['dosageInstruction'][0]).toMatchObject({ text: '1 tablet by mouth twice daily with meals', doseAndRate: [{ doseQuantity: { value: 1 } }] });
    expect(metformin!['dosageInstruction'][0].doseAndRate[0].doseQuantity.code).toBeUndefined();
    expect(lisinopril!['dosageInstruction'][0].doseAndRate).toEqual([{ doseQuantity: { value: 10, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }]);

    const [immunization] = byType(all, 'Immunization');
    expect(immunization!['vaccineCode'].coding[0].system).toBe('http://hl7.org/fhir/sid/cvx');
    expect(immunization!['doseQuantity']).toEqual({ value: 0.5, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' });

    const [diabetes] = byType(all, 'Condition');
    expect(diabetes!['code'].coding[1]).toEqual({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' });

    const a1c = byType(all, 'Observation').find((observation) => observation['code'].coding[0].code === '4548-4')!;
    expect(a1c['referenceRange']).toEqual([
      { low: { value: 4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' }, high: { value: 5.6, unit: '%', system: 'http://unitsofmeasure.org', code: '%' }, text: '4.0-5.6 %' },
    ]);
    expect(a1c['interpretation']).toEqual([{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H' }] }]);

    const [composition] = byType(all, 'Composition');
    expect(composition!['subject']).toEqual({ reference: `Patient/${byType(all, 'Patient')[0]!['id']}` });
    expect(composition!['section'][1].text.div).toBe(
      '<div xmlns="http://www.w3.org/1999/xhtml"><ul><li id="problem1">Type 2 diabetes mellitus without complications, since 2016</li><li id="problem2">Essential hypertension, since 2014</li></ul></div>',
    );
    // No US Core claims, no empty elements, one Practitioner for the author named twice.
    expect(all.filter((resource) => resource['meta'] !== undefined)).toEqual([]);
    expect(JSON.stringify(all)).not.toMatch(/\[\]|\{\}|~[YMD]/);
    expect(byType(all, 'Practitioner').filter((practitioner) => practitioner['name'][0].family === 'Okafor')).toHaveLength(1);
  });

  it('keeps partial dates partial and drops a time that has no zone', async () => {
    const text = SAMPLE.replace('<birthTime value="19580723"/>', '<birthTime value="1958"/>').replace(
      '<effectiveTime value="20231002"/>',
      '<effectiveTime value="20231002093000"/>',
    );
    const all = await readSample(text);
    expect(byType(all, 'Patient')[0]!['birthDate']).toBe('1958');
    expect(byType(all, 'Immunization')[0]!['occurrenceDateTime']).toBe('2023-10-02');
    expect(validationProblems(all)).toEqual([]);
  });

  it('reads a document with a section and an entry that have no templateId', async () => {
    const extra = `<component><section><title>Notes</title><text><paragraph>Seen today.</paragraph></text>
      <entry><observation classCode="OBS" moodCode="EVN"><code code="8310-5" codeSystem="2.16.840.1.113883.6.1"/><statusCode code="completed"/>
      <effectiveTime value="20240312"/><value xsi:type="PQ" value="36.8" unit="Cel"/></observation></entry></section></component>`;
    const all = await readSample(SAMPLE.replace('</structuredBody>', `${extra}</structuredBody>`));
    expect(validationProblems(all)).toEqual([]);
    const temperature = byType(all, 'Observation').find((observation) => observation['code'].coding[0].code === '8310-5');
    expect(temperature).toMatchObject({ effectiveDateTime: '2024-03-12', valueQuantity: { value: 36.8, unit: 'Cel' } });
    expect(byType(all, 'Composition')[0]!['section'][6].text.div).toContain('<p>Seen today.</p>');
  });

  it('does not attribute a document without an author to anyone', async () => {
    const all = await readSample('<ClinicalDocument xmlns="urn:hl7-org:v3"><effectiveTime value="20240101"/><title>Note</title></ClinicalDocument>');
    expect(all).toHaveLength(1);
    expect(all[0]!['author']).toEqual([{ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] }]);
    expect(validationProblems(all)).toEqual([]);
  });

  it('never lets narrative markup through: scripts, handlers and links become text', async () => {
    const text = SAMPLE.replace(
      '<item ID="problem1">',
      '<item ID="problem1"><script>alert(1)</script><content onclick="steal()" styleCode="Bold">bold &lt;img src=x onerror=alert(2)&gt;</content><linkHtml href="javascript:alert(3)">link</linkHtml>',
    );
    const all = await readSample(text);
    const div = byType(all, 'Composition')[0]!['section'][1].text.div as string;
    expect(div).not.toMatch(/<script|onclick|onerror=alert\(2\)>|href|<img/);
    expect(div).toContain('<span>bold &#60;img src=x onerror=alert(2)&#62;</span>');
    expect(div).toContain('alert(1)');
  });
});

describe('C-CDA input that is refused', () => {
  const xxe = `<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&xxe;</title></ClinicalDocument>`;
  const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 ${Array.from({ length: 9 }, (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level === 0 ? '' : level};`.repeat(10)}">`).join('\n ')}
]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol9;</title></ClinicalDocument>`;
  const quadratic = `<?xml version="1.0"?>
<!doctype ClinicalDocument [<!ENTITY a "${'a'.repeat(50_000)}">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>${'&a;'.repeat(50_000)}</title></ClinicalDocument>`;
  const references = `<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3"><title>${'&#65;'.repeat(1_000_000)}</title></ClinicalDocument>`;
  const stylesheet = `<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="http://attacker.example/cda.xsl"?>\n${SAMPLE.slice(SAMPLE.indexOf('<ClinicalDocument'))}`;
  const xinclude = SAMPLE.replace('<title>Continuity of Care Document</title>', '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>');

  it.each([
    ['XXE file:///etc/passwd', xxe, /DOCTYPE is refused/],
    ['billion laughs', laughs, /DOCTYPE is refused/],
    ['quadratic blowup', quadratic, /DOCTYPE is refused/],
    ['one million &#65; references', references, /more than 100000 entity or character references/],
    ['an xml-stylesheet processing instruction', stylesheet, /processing instructions are refused \(found <\?xml-stylesheet>\)/],
    ['XInclude', xinclude, /XInclude is refused/],
  ])('%s: one error, in under a second, before any XML parser runs', async (_name, text, message) => {
    const parse = vi.spyOn(XMLParser.prototype, 'parse');
    const path = writeXml(text);
    const start = performance.now();
    const items = await collect(readImportPath(path));
    expect(performance.now() - start).toBeLessThan(HANG_GUARD_MS);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'error', location: { file: path } });
    expect(items[0]!.kind === 'error' && items[0]!.message).toMatch(message);
    expect(items[0]!.kind === 'error' && items[0]!.message.startsWith(`${path}: `)).toBe(true);
    expect(parse).not.toHaveBeenCalled();
  });

  it('does reach the parser for a harmless document (the spy above can see it)', async () => {
    const parse = vi.spyOn(XMLParser.prototype, 'parse');
    await readSample();
    expect(parse).toHaveBeenCalled();
  });

  it.each([
    ['not a CDA document', '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>', /not a C-CDA document/],
    ['10,000-deep nesting', `<ClinicalDocument xmlns="urn:hl7-org:v3">${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</ClinicalDocument>`, /nested too deeply|not well-formed|could not read/],
    ['mismatched tags', '<ClinicalDocument xmlns="urn:hl7-org:v3"><title>x</ClinicalDocument>', /not well-formed XML \(line 1, column \d+: Expected closing tag 'title'/],
    [
      '2,000-deep clinical statements',
      `<ClinicalDocument xmlns="urn:hl7-org:v3"><component><structuredBody><component><section><entry>${'<observation><entryRelationship>'.repeat(1000)}${'</entryRelationship></observation>'.repeat(1000)}</entry></section></component></structuredBody></component></ClinicalDocument>`,
      /XML elements nested deeper than 256 levels/,
    ],
    ['a legacy encoding', '<?xml version="1.0" encoding="ISO-8859-1"?><ClinicalDocument/>', /encoding iso-8859-1 is not supported/],
  ])('%s: one clear error', async (_name, text, message) => {
    const items = await collect(readImportPath(writeXml(text)));
    expect(items).toHaveLength(1);
    expect(items[0]!.kind === 'error' && items[0]!.message).toMatch(message);
    expect(items[0]!.kind === 'error' && items[0]!.message).not.toMatch(/\n\s+at /);
  });

  it('refuses a document over maxXmlBytes without converting it', async () => {
    const items = await collect(readImportPath(writeXml(SAMPLE), { limits: { maxXmlBytes: 1024 } }));
    expect(items).toHaveLength(1);
    expect(items[0]!.kind === 'error' && items[0]!.message).toMatch(/the XML document is larger than 1 KiB/);
  });
});
