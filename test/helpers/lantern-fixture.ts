import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureEndpoint {
  URL: string;
  OrganizationName: string;
  NPIID?: string;
  OrganizationZipCode?: string;
}

/** Writes `{ "Endpoints": [...] }` the way Lantern's lists are written. */
export function writeList(folder: string, file: string, endpoints: FixtureEndpoint[]): string {
  const path = join(folder, file);
  writeFileSync(path, JSON.stringify({ Endpoints: endpoints.map((endpoint) => ({ NPIID: '', OrganizationZipCode: '', ...endpoint })) }, null, '\t'));
  return path;
}

/**
 * A small Lantern-like folder: two overlapping developer lists, an aggregator that repeats one of
 * their pairs, a DSTU2 + R4 organisation, a multi-tenant URL shared by two practices, a resource
 * list naming the developers, an empty list and an unrelated file (both as in the real folder).
 */
export function lanternFixture(): string {
  const folder = join(mkdtempSync(join(tmpdir(), 'hearth-lantern-')), 'endpoints');
  mkdirSync(folder);
  writeFileSync(
    join(folder, 'CHPLEndpointResourcesList.json'),
    JSON.stringify([
      { FormatType: 'Lantern', URL: 'https://example.org/epic', EndpointName: 'Epic Systems Corporation', FileName: 'Epic_Systems_Corporation_EndpointSources.json' },
      { FormatType: 'Lantern', URL: 'https://example.org/epic', EndpointName: 'Epic Systems Corporation', FileName: 'Epic_Systems_Corporation_1_EndpointSources.json' },
    ]),
  );
  writeFileSync(join(folder, 'EndpointResourcesList.json'), JSON.stringify([{ FormatType: 'Lantern', EndpointName: '1Up', FileName: '1UpEndpointSources.json', URL: '' }]));
  writeList(folder, 'Epic_Systems_Corporation_EndpointSources.json', [
    { URL: 'https://fhir.mercy.example/api/FHIR/DSTU2/', OrganizationName: 'Mercy Health' },
    { URL: 'https://fhir.stlukes.example/api/FHIR/R4/', OrganizationName: "St. Luke's Hospital", OrganizationZipCode: '64111' },
    { URL: 'https://fhir.sjmc.example/api/FHIR/R4/', OrganizationName: 'São José Medical Center', OrganizationZipCode: '02115-1234' },
  ]);
  // The second Epic list overlaps the first: the R4 endpoint of Mercy, and St. Luke's again.
  writeList(folder, 'Epic_Systems_Corporation_1_EndpointSources.json', [
    { URL: 'https://fhir.mercy.example/api/FHIR/R4/', OrganizationName: 'Mercy Health', NPIID: '1234567893' },
    { URL: 'https://fhir.stlukes.example/api/FHIR/R4/', OrganizationName: "St. Luke's Hospital", OrganizationZipCode: '64111' },
  ]);
  writeList(folder, 'Acme_EHR_Inc_EndpointSources.json', [
    { URL: 'https://api.acme.example/fhir/r4', OrganizationName: 'Lakeside Family Practice', OrganizationZipCode: '99508' },
    { URL: 'https://api.acme.example/fhir/r4', OrganizationName: 'Hillside Pediatrics', OrganizationZipCode: '10001' },
    { URL: 'https://api.acme.example/fhir/r4', OrganizationName: 'Mercy Clinic', OrganizationZipCode: '64111' },
    { URL: 'not a url', OrganizationName: 'Broken Practice' },
  ]);
  // The aggregator repeats St. Luke's Epic endpoint: Epic's own list names the vendor.
  writeList(folder, '1UpEndpointSources.json', [{ URL: 'https://FHIR.stlukes.example/api/FHIR/R4', OrganizationName: 'St Luke’s Hospital', OrganizationZipCode: '64111' }]);
  writeFileSync(join(folder, 'LanternEndpointSources.json'), '');
  writeFileSync(join(folder, 'payer-patient-access.csv'), 'developer,source\n');
  return folder;
}
