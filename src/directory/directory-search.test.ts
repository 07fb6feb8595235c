import { describe, expect, it } from 'vitest';
import { buildDirectory } from './directory-build.ts';
import { buildDirectoryIndex } from './directory-search.ts';
import { withinOneEdit } from './directory-text.ts';
import type { EndpointList, ListedEndpoint } from './lantern-lists.ts';

const list = (source: string, vendor: string, endpoints: Partial<ListedEndpoint>[]): EndpointList => ({
  source,
  vendor,
  aggregator: false,
  skipped: [],
  endpoints: endpoints.map((endpoint) => ({ organization: '', url: '', npi: '', zip: '', ...endpoint })),
});

const { directory } = buildDirectory([
  list('Epic_EndpointSources.json', 'Epic Systems Corporation', [
    { organization: 'Mercy Hospital', url: 'https://mercy.example/api/FHIR/R4/', zip: '63141' },
    { organization: 'Mercy Hospital South', url: 'https://mercy-south.example/api/FHIR/R4/', zip: '63128' },
    { organization: 'Saint Mary’s Hospital', url: 'https://stmarys.example/api/FHIR/R4/', zip: '55902' },
    { organization: 'Hospital of Mercy', url: 'https://hom.example/api/FHIR/DSTU2/', zip: '10001' },
    { organization: 'Mercy Medical Center', url: 'https://mmc.example/api/FHIR/DSTU2/', zip: '21202' },
    { organization: 'Mercy Medical Center', url: 'https://mmc-west.example/api/FHIR/R4/', zip: '94102' },
  ]),
  list('Cerner_EndpointSources.json', 'Cerner Corporation', [
    { organization: 'Clínica São Lucas', url: 'https://fhir.cerner.example/r4/lucas', zip: '02115' },
    { organization: 'Providence Health', url: 'https://fhir.cerner.example/r4/prov', zip: '97201' },
    { organization: 'Mercy Health Clinic', url: 'https://fhir.cerner.example/dstu2/mhc', zip: '63101' },
    { organization: 'Centre Hospital', url: 'https://fhir.cerner.example/r4/centre', zip: '30301' },
  ]),
  list('Acme_EndpointSources.json', 'Acme EHR', [
    { organization: 'Lakeside Pediatrics', url: 'https://acme.example/fhir', zip: '99508' },
    { organization: 'Mercyhurst Family Medicine', url: 'https://acme.example/fhir', zip: '16546' },
  ]),
]);
const index = buildDirectoryIndex(directory);
const names = (query: Parameters<typeof index.search>[0]) => index.search(query).results.map((result) => result.organization);

describe('directory search', () => {
  it('finds by the start of a word', () => {
    expect(names({ text: 'provid' })).toEqual(['Providence Health']);
    expect(names({ text: 'lake' })).toEqual(['Lakeside Pediatrics']);
  });

  it('takes several words in any order', () => {
    expect(names({ text: 'hospital mercy' })).toEqual(['Mercy Hospital', 'Mercy Hospital South', 'Hospital of Mercy']);
    expect(names({ text: 'south hospital mercy' })).toEqual(['Mercy Hospital South']);
    expect(names({ text: 'center medical mercy' })).toEqual(['Mercy Medical Center', 'Mercy Medical Center']);
  });

  it('tolerates one typo in a word of five letters or more, but not in short words', () => {
    expect(names({ text: 'provdence' })).toEqual(['Providence Health']);
    expect(names({ text: 'hopsital of mercy' })[0]).toBe('Hospital of Mercy');
    expect(names({ text: 'lakesid pediatrics' })).toEqual(['Lakeside Pediatrics']);
    expect(names({ text: 'provdnece' })).toEqual([]); // two edits
    expect(names({ text: 'soth' })).toEqual([]); // one edit from "south", but four letters are too few for a typo
    expect(names({ text: 'mercx' })[0]).toBe('Mercy Hospital'); // five letters may hold one
  });

  it('folds accents, case and apostrophes', () => {
    expect(names({ text: 'CLINICA sao lucas' })).toEqual(['Clínica São Lucas']);
    expect(names({ text: 'clínica SÃO' })).toEqual(['Clínica São Lucas']);
    expect(names({ text: "saint mary's" })).toEqual(['Saint Mary’s Hospital']);
    expect(names({ text: 'saint marys' })).toEqual(['Saint Mary’s Hospital']);
  });

  it('takes "st" for "saint" and back', () => {
    expect(names({ text: 'st marys' })).toEqual(['Saint Mary’s Hospital']);
    expect(names({ text: 'mary st' })).toEqual(['Saint Mary’s Hospital']);
  });

  it('ranks names starting with the query before names merely containing the word; R4 first; ties alphabetical', () => {
    expect(index.search({ text: 'mercy' }).results.map((result) => `${result.organization} ${result.fhirVersion}`)).toEqual([
      'Mercy Hospital R4',
      'Mercy Hospital South R4',
      'Mercy Medical Center R4',
      'Mercy Health Clinic DSTU2',
      'Mercy Medical Center DSTU2',
      'Mercyhurst Family Medicine unknown',
      'Hospital of Mercy DSTU2',
    ]);
  });

  it('ranks the exact name, then prefix, then all words, then a typo', () => {
    // "Mercy Hospital" is the exact name; "… South" starts with it; "Hospital of Mercy" has both words.
    expect(names({ text: 'mercy hospital' })).toEqual(['Mercy Hospital', 'Mercy Hospital South', 'Hospital of Mercy']);
    // "Centre" is one edit from "center": after the exact word matches, though they are DSTU2 and it is R4.
    expect(index.search({ text: 'center' }).results.map((result) => `${result.organization} ${result.fhirVersion}`)).toEqual([
      'Mercy Medical Center R4',
      'Mercy Medical Center DSTU2',
      'Centre Hospital R4',
    ]);
  });

  it('filters by ZIP (exact or prefix), state and vendor', () => {
    expect(names({ text: 'mercy', zip: '63141' })).toEqual(['Mercy Hospital']);
    expect(new Set(names({ text: 'mercy', zip: '631' }))).toEqual(new Set(['Mercy Hospital', 'Mercy Hospital South', 'Mercy Health Clinic']));
    expect(names({ text: 'mercy', state: 'md' })).toEqual(['Mercy Medical Center']);
    expect(names({ text: 'mercy', vendor: 'cerner' })).toEqual(['Mercy Health Clinic']);
    expect(names({ text: 'mercy', vendor: 'EHR' })).toEqual(['Mercyhurst Family Medicine']);
    expect(names({ text: 'mercy', vendor: 'nobody' })).toEqual([]);
  });

  it('lists by filter alone when there is no text: R4 first, then alphabetical', () => {
    expect(names({ state: 'MO' })).toEqual(['Mercy Hospital', 'Mercy Hospital South', 'Mercy Health Clinic']);
    expect(index.search({ vendor: 'acme' }).total).toBe(2);
  });

  it('stops at the limit and still counts every match', () => {
    const found = index.search({ text: 'mercy', limit: 2 });
    expect(found.results).toHaveLength(2);
    expect(found.total).toBe(7);
  });

  it('returns each organisation with all its endpoints, best first', () => {
    const [result] = index.search({ text: 'providence' }).results;
    expect(result).toMatchObject({ organization: 'Providence Health', vendor: 'Cerner Corporation', fhirVersion: 'R4', url: 'https://fhir.cerner.example/r4/prov', zip: '97201', state: 'OR', npi: null });
    expect(result!.endpoints).toEqual([{ url: 'https://fhir.cerner.example/r4/prov', fhirVersion: 'R4' }]);
    expect(result!.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a query with nothing to search by, a bad ZIP, state or limit', () => {
    expect(() => index.search({ text: '  ' })).toThrow(/give an organisation name/);
    expect(() => index.search({ zip: '12a' })).toThrow(/zip/);
    expect(() => index.search({ state: 'ZZ' })).toThrow(/state code/);
    expect(() => index.search({ text: 'mercy', limit: 0 })).toThrow(/limit/);
    expect(() => index.search({ text: 'mercy', limit: 201 })).toThrow(/limit/);
  });

  it('counts one edit as Damerau–Levenshtein does', () => {
    expect([withinOneEdit('hospital', 'hopsital'), withinOneEdit('hospital', 'hospita'), withinOneEdit('hospital', 'hospitall'), withinOneEdit('hospital', 'hospitxl')]).toEqual([true, true, true, true]);
    expect([withinOneEdit('hospital', 'hsopitla'), withinOneEdit('hospital', 'hospi')]).toEqual([false, false]);
  });
});
