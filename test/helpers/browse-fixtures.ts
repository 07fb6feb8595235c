// Records for the records-browser tests (lists, two sources, documents, search): two sources of the
// same person, each imported through the real pipeline (validation, id mapping, index).
import type { Resource } from '@medplum/fhirtypes';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { generatedInput } from '../../src/import/generated-input.ts';
import { importIntoVault } from '../../src/import/import-into-vault.ts';
import { sourcesRepository } from '../../src/sources/sources-repository.ts';
import type { TestInstance } from './fhir-server.ts';

export const EVIL = 'https://evil.example';

/** Every way an HTML attachment could run script or reach another origin. */
export const HOSTILE_HTML = `<!DOCTYPE html><html><head><style>body{background:url(${EVIL}/bg.png)}</style>
<script>fetch('${EVIL}/script')</script><link rel="stylesheet" href="${EVIL}/style.css"><base href="${EVIL}/"></head>
<body><h1>Discharge letter</h1><p>Take <b>aspirin</b> daily.</p>
<img src="${EVIL}/pixel.png" onerror="fetch('${EVIL}/onerror')" alt="pixel">
<iframe src="${EVIL}/frame"></iframe><object data="${EVIL}/object"></object>
<a href="javascript:fetch('${EVIL}/js')">a javascript link</a> <a href="${EVIL}/page">a remote link</a>
<form action="${EVIL}/form"><input name="x"><button>Send</button></form>
<p style="background-image:url(${EVIL}/inline.png)">styled paragraph</p>
<svg><image href="${EVIL}/svg.png"></image></svg><video poster="${EVIL}/poster.png"></video>
<img srcset="${EVIL}/srcset.png 2x"><meta http-equiv="refresh" content="0;url=${EVIL}/refresh">
<a href=" JaVaScRiPt:fetch('${EVIL}/mixed')">mixed case</a> <a href="data:text/html,<script>fetch('${EVIL}/data')</script>">data link</a>
<math><mtext><table><mglyph><style><img src="${EVIL}/mxss.png"></style></mglyph></table></mtext></math>
</body></html>`;

export const CCDA = `<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Continuity of Care Document</title>
<component><structuredBody>
<component><section><title>Allergies</title><text><table><thead><tr><th>Substance</th><th>Reaction</th></tr></thead>
<tbody><tr><td>Penicillin</td><td>Hives</td></tr></tbody></table></text></section></component>
<component><section><title>Problems</title><text><list><item>Type 2 diabetes mellitus</item><item>Hypertension</item></list>
<paragraph>Reviewed <content styleCode="Bold">2024-03-01</content>.</paragraph><renderMultiMedia referencedObject="x"/>
<linkHtml href="${EVIL}/ccda">remote</linkHtml></text></section></component>
</structuredBody></component></ClinicalDocument>`;

/** A 1×1 PNG. */
export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export async function pdfBase64(text: string): Promise<string> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([400, 200]);
  page.drawText(text, { x: 40, y: 100, size: 18, font: await pdf.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await pdf.save()).toString('base64');
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const LOINC = 'http://loinc.org';

const glucose = (id: string, value: number, unit: string, effective: string): Resource => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
  code: { coding: [{ system: LOINC, code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' }], text: 'Glucose' },
  effectiveDateTime: effective,
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});

const flu = (id: string, code: string): Resource => ({
  resourceType: 'Immunization',
  id,
  status: 'completed',
  vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code, display: 'Influenza, seasonal' }], text: 'Influenza vaccine' },
  patient: { display: 'Test person' },
  occurrenceDateTime: '2023-10-12',
});

const documentReference = (id: string, title: string, contentType: string, attachment: { data?: string; url?: string }): Resource => ({
  resourceType: 'DocumentReference',
  id,
  status: 'current',
  date: '2024-03-02T09:00:00Z',
  type: { text: title },
  description: title,
  content: [{ attachment: { contentType, title, ...attachment } }],
});

export async function portalRecords(): Promise<Resource[]> {
  return [
    glucose('glu-portal', 100, 'mg/dL', '2024-03-01T08:00:00Z'),
    flu('flu-portal', '08'),
    documentReference('doc-html', 'Hostile discharge letter', 'text/html', { data: b64(HOSTILE_HTML) }),
    documentReference('doc-pdf', 'Lab report PDF', 'application/pdf', { data: await pdfBase64('Hearth PDF canary') }),
    documentReference('doc-ccda', 'Hospital summary', 'application/xml', { data: b64(CCDA) }),
    { resourceType: 'Binary', id: 'bin-text', contentType: 'text/plain', data: b64('Plain text note: rest and fluids.') },
    documentReference('doc-text', 'Visit note', 'text/plain', { url: 'Binary/bin-text' }),
    documentReference('doc-remote', 'Remote only', 'application/pdf', { url: `${EVIL}/remote.pdf` }),
    { resourceType: 'Media', id: 'media-png', status: 'completed', content: { contentType: 'image/png', title: 'Rash photo', data: PNG_BASE64 } },
  ];
}

export function hospitalRecords(): Resource[] {
  return [glucose('glu-hospital', 1, 'g/L', '2024-03-01T10:30:00Z'), flu('flu-hospital', '8'), glucose('glu-other-day', 100, 'mg/dL', '2024-04-01')];
}

/** Imports `records` into the person's vault under a file source named `label`; returns the source id. */
export async function importRecords(instance: TestInstance, personId: string, label: string, records: Resource[]): Promise<string> {
  const source = sourcesRepository(instance.system).findOrCreate(personId, 'file', label);
  const vault = instance.people.openVault(personId);
  try {
    const input = generatedInput(`test:${label}`, `test:${label}:${records.length}`, 10_000, () => records);
    const report = await importIntoVault(vault, { sourceId: source.id, inputs: [input] });
    if (report.errorCount > 0) throw new Error(`test import of ${label} failed: ${JSON.stringify(report).slice(0, 500)}`);
  } finally {
    vault.close();
  }
  return source.id;
}
