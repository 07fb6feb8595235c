import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { INDEXED_RESOURCE_TYPES, indexedSearchParams } from '../fhir/search-index/index.ts';
import { HEARTH_VERSION } from '../version.ts';

/** FHIR search parameter types as CapabilityStatement.rest.resource.searchParam.type names them. */
const TEXT_PARAMS = [
  { name: '_text', type: 'string' as const, documentation: 'Full-text search of the narrative (FTS5)' },
  { name: '_content', type: 'string' as const, documentation: 'Full-text search of the whole record (FTS5)' },
];

let resources: CapabilityStatementRestResource[] | undefined;

/** `Source:param` for every reference parameter of every type that can point at `target`. */
function revIncludesOf(target: string, referenceParams: Map<string, { code: string; target?: string[] }[]>): string[] {
  const out: string[] = [];
  for (const [source, params] of referenceParams) {
    for (const param of params) {
      if (param.target === undefined || param.target.includes(target)) out.push(`${source}:${param.code}`);
    }
  }
  return out;
}

/**
 * What the API really does, per resource type: the interactions of http/fhir/*.ts and the search
 * parameters the vault indexes (fhir/search-index/param-catalog.ts, the same list search/ answers).
 * Writes exist for every type but apply only to records entered by hand (imported ones are
 * read-only, refused with 409).
 */
function restResources(): CapabilityStatementRestResource[] {
  if (resources) return resources;
  const referenceParams = new Map(
    INDEXED_RESOURCE_TYPES.map((type) => [type, indexedSearchParams(type).filter((param) => param.type === 'reference')] as const),
  );
  resources = INDEXED_RESOURCE_TYPES.map((type) => {
    const params = indexedSearchParams(type);
    const resource: CapabilityStatementRestResource = {
      type: type as CapabilityStatementRestResource['type'],
      interaction: ['read', 'vread', 'history-instance', 'search-type', 'create', 'update', 'delete'].map((code) => ({ code: code as 'read' })),
      versioning: 'versioned',
      readHistory: true,
      updateCreate: false,
      conditionalCreate: false,
      conditionalUpdate: false,
      conditionalDelete: 'not-supported',
      searchInclude: ['*', ...(referenceParams.get(type) ?? []).map((param) => `${type}:${param.code}`)],
      searchRevInclude: revIncludesOf(type, referenceParams),
      searchParam: [...params.map((param) => ({ name: param.code, type: param.type })), ...TEXT_PARAMS],
    };
    if (type === 'Patient') {
      resource.operation = [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }];
    }
    return resource;
  });
  return resources;
}

/** The CapabilityStatement of one person's FHIR base (R4 capabilitystatement.html). */
export function capabilityStatement(baseUrl: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Hearth', version: HEARTH_VERSION },
    implementation: { description: "Hearth: one person's records", url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        security: { description: 'A Hearth session cookie; state-changing requests need the X-Hearth-CSRF: 1 header.' },
        resource: restResources(),
      },
    ],
  };
}
