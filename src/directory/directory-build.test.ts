import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lanternFixture, writeList } from '../../test/helpers/lantern-fixture.ts';
import { dataDirDirectory, readDirectoryFile, SHIPPED_DIRECTORY } from './directory-file.ts';
import { importDirectory } from './directory-service.ts';
import { fhirVersionOf } from './directory-text.ts';
import { normaliseZip, stateOfZip } from './us-states.ts';

const dataDir = () => mkdtempSync(join(tmpdir(), 'hearth-directory-'));
const byName = (dir: string) => new Map(readDirectoryFile(dataDirDirectory(dir)).entries.map((entry) => [`${entry.organization} @ ${entry.vendor}`, entry]));

describe('processing Lantern lists', () => {
  it('deduplicates pairs across overlapping lists, groups an organisation, prefers R4 and keeps every tenant of a shared URL', () => {
    const dir = dataDir();
    const report = importDirectory(dir, [lanternFixture()], { now: new Date('2026-01-01T00:00:00Z') });
    expect(report.mode).toBe('replace');
    expect(report.ignored).toEqual(['payer-patient-access.csv']);
    // 9 usable listings; St. Luke's is listed three times (twice by Epic, once by the aggregator).
    expect(report.stats).toMatchObject({ listed: 9, duplicatesRemoved: 2, pairs: 7, organizations: 6, endpoints: 7 });
    const entries = byName(dir);
    expect([...entries.keys()].sort()).toEqual([
      'Hillside Pediatrics @ Acme EHR Inc',
      'Lakeside Family Practice @ Acme EHR Inc',
      'Mercy Clinic @ Acme EHR Inc',
      'Mercy Health @ Epic Systems Corporation',
      "St. Luke's Hospital @ Epic Systems Corporation",
      'São José Medical Center @ Epic Systems Corporation',
    ]);
    const mercy = entries.get('Mercy Health @ Epic Systems Corporation')!;
    expect(mercy.endpoints.map((endpoint) => [endpoint.url, endpoint.fhirVersion])).toEqual([
      ['https://fhir.mercy.example/api/FHIR/R4', 'R4'],
      ['https://fhir.mercy.example/api/FHIR/DSTU2', 'DSTU2'],
    ]);
    expect(mercy.npi).toBe('1234567893');
    const lukes = entries.get("St. Luke's Hospital @ Epic Systems Corporation")!;
    expect(lukes.endpoints).toHaveLength(1);
    expect(lukes).toMatchObject({ zip: '64111', state: 'MO' });
    // The one pair is known from all three lists.
    const directory = readDirectoryFile(dataDirDirectory(dir));
    expect(lukes.endpoints[0]!.sources.map((index) => directory.sources[index]!.file).sort()).toEqual([
      '1UpEndpointSources.json',
      'Epic_Systems_Corporation_1_EndpointSources.json',
      'Epic_Systems_Corporation_EndpointSources.json',
    ]);
    expect(entries.get('São José Medical Center @ Epic Systems Corporation')).toMatchObject({ zip: '02115', state: 'MA' });
    const shared = ['Hillside Pediatrics', 'Lakeside Family Practice', 'Mercy Clinic'].map((name) => entries.get(`${name} @ Acme EHR Inc`)!);
    expect(new Set(shared.map((entry) => entry.endpoints[0]!.url))).toEqual(new Set(['https://api.acme.example/fhir/r4']));
    expect(new Set(shared.map((entry) => entry.id)).size).toBe(3);
    expect(report.files.find((file) => file.file === 'Acme_EHR_Inc_EndpointSources.json')).toMatchObject({ skipped: 1, firstSkipReason: 'entry 4: URL is not an absolute URL' });
  });

  it('gives the same ids when built again', () => {
    const first = dataDir();
    const second = dataDir();
    importDirectory(first, [lanternFixture()]);
    importDirectory(second, [lanternFixture()]);
    const ids = (dir: string) => readDirectoryFile(dataDirDirectory(dir)).entries.map((entry) => entry.id);
    expect(ids(second)).toEqual(ids(first));
  });

  it('a single list updates only what came from the list of that name', () => {
    const dir = dataDir();
    const folder = lanternFixture();
    importDirectory(dir, [folder]);
    const update = mkdtempSync(join(tmpdir(), 'hearth-update-'));
    const file = writeList(update, 'Acme_EHR_Inc_EndpointSources.json', [{ URL: 'https://api.acme.example/fhir/r4', OrganizationName: 'Riverside Clinic', OrganizationZipCode: '30301' }]);
    const report = importDirectory(dir, [file]);
    expect(report.mode).toBe('update');
    const entries = byName(dir);
    expect(entries.has('Riverside Clinic @ Acme EHR Inc')).toBe(true);
    expect(entries.get('Riverside Clinic @ Acme EHR Inc')!.state).toBe('GA');
    expect(entries.has('Hillside Pediatrics @ Acme EHR Inc')).toBe(false);
    expect(entries.has('Mercy Health @ Epic Systems Corporation')).toBe(true);
    expect(entries.size).toBe(4);
  });

  it.each([
    ['not JSON', '{ "Endpoints": [', /not valid JSON/, true],
    ['the wrong shape', '[1, 2]', /expected \{ "Endpoints"/, true],
    ['a URL that is a number', JSON.stringify({ Endpoints: [{ URL: 'https://ok.example/r4', OrganizationName: 'A' }, { URL: 42, OrganizationName: 'B' }] }), /entry 2: "URL" must be a string/, true],
    ['a missing name', JSON.stringify({ Endpoints: [{ URL: 'https://ok.example/r4' }] }), /"OrganizationName" must be a string/, true],
    ['a ZIP that is an object', JSON.stringify({ Endpoints: [{ URL: 'https://ok.example/r4', OrganizationName: 'A', OrganizationZipCode: {} }] }), /"OrganizationZipCode" must be a string/, true],
    // Alone it is refused; in a folder beside other lists an empty list is just empty.
    ['no entries', JSON.stringify({ Endpoints: [] }), /no endpoints found/, false],
  ])('refuses a list with %s and leaves the directory as it was', (_label, content, message, refusedInFolder) => {
    const dir = dataDir();
    importDirectory(dir, [lanternFixture()]);
    const before = readFileSync(dataDirDirectory(dir));
    const bad = mkdtempSync(join(tmpdir(), 'hearth-bad-'));
    writeFileSync(join(bad, 'Bad_Vendor_EndpointSources.json'), content);
    expect(() => importDirectory(dir, [join(bad, 'Bad_Vendor_EndpointSources.json')])).toThrow(message);
    // A folder holding the bad list is refused whole too.
    writeList(bad, 'Good_Vendor_EndpointSources.json', [{ URL: 'https://good.example/r4', OrganizationName: 'Good' }]);
    if (refusedInFolder) expect(() => importDirectory(dir, [bad])).toThrow(message);
    expect(readFileSync(dataDirDirectory(dir)).equals(before)).toBe(true);
    expect(readdirSync(join(dir, 'directory'))).toEqual(['directory.json.gz']);
  });

  it('refuses a file that is not a Lantern list by name, and a path that does not exist', () => {
    const dir = dataDir();
    const other = join(mkdtempSync(join(tmpdir(), 'hearth-other-')), 'endpoints.json');
    writeFileSync(other, JSON.stringify({ Endpoints: [{ URL: 'https://a.example/r4', OrganizationName: 'A' }] }));
    expect(() => importDirectory(dir, [other])).toThrow(/must end in EndpointSources\.json/);
    expect(() => importDirectory(dir, [join(dir, 'nope')])).toThrow(/no such file or folder/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('URLs, ZIPs and states', () => {
  it.each([
    ['https://x.example/FHIRProxy/api/FHIR/DSTU2/', 'DSTU2'],
    ['https://x.example/api/FHIR/R4/', 'R4'],
    ['https://api.prod.1life.com/fhir/4.0', 'R4'],
    ['https://x.example:443/v2/argonaut/v1', 'DSTU2'],
    ['https://x.example/fhir/stu3', 'STU3'],
    ['https://x.example/fhir/r4b/', 'R4'],
    ['https://x.example/r4x/fhir', 'unknown'],
    ['https://x.example/fhir', 'unknown'],
  ])('%s is %s', (url, version) => expect(fhirVersionOf(url)).toBe(version));

  it('normalises ZIPs and finds their state', () => {
    expect([normaliseZip('02115-1234'), normaliseZip('021151234'), normaliseZip('2115'), normaliseZip('CA'), normaliseZip('PG12')]).toEqual(['02115', '02115', '02115', null, null]);
    expect([stateOfZip('02115'), stateOfZip('10001'), stateOfZip('99508'), stateOfZip('73301'), stateOfZip('20500'), stateOfZip('09001')]).toEqual(['MA', 'NY', 'AK', 'TX', 'DC', null]);
  });
});

describe('the shipped directory', () => {
  it('holds the Lantern lists, deduplicated, with well-known organisations', () => {
    const directory = readDirectoryFile(SHIPPED_DIRECTORY);
    // ~67,600 listings in 157 lists collapse to ~39,700 organisations (built 2026-11 from ../shared).
    expect(directory.entries.length).toBeGreaterThan(35_000);
    expect(directory.entries.length).toBeLessThan(45_000);
    expect(directory.sources.length).toBeGreaterThan(150);
    const names = new Set(directory.entries.map((entry) => `${entry.organization} @ ${entry.vendor}`));
    for (const known of ['Mayo Clinic @ Epic Systems Corporation', 'Cleveland Clinic @ Epic Systems Corporation', 'Mass General Brigham @ Epic Systems Corporation', 'Aetna @ Aetna']) {
      expect(names, known).toContain(known);
    }
    const keys = directory.entries.map((entry) => `${entry.organization}\n${entry.vendor}\n${entry.zip}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(directory.entries.map((entry) => entry.id)).size).toBe(directory.entries.length);
    const licence = join(SHIPPED_DIRECTORY, '..');
    expect(readFileSync(join(licence, 'LICENSE'), 'utf8')).toContain('Apache License');
    expect(readFileSync(join(licence, 'NOTICE.md'), 'utf8')).toContain('Mettle Solutions');
  });
});
