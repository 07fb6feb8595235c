import { createHash } from 'node:crypto';

/**
 * A canonical hash of a set of FHIR resources: each resource as JSON with object keys sorted
 * (arrays keep their order, which FHIR gives meaning), without meta.versionId and meta.lastUpdated
 * (they change on every write of the same content), hashed in (type, id) order. Two vaults with the
 * same current records hash alike whatever their history or storage layout, so a restore, and later
 * a re-import of an export, can be compared with the original. Pure: no database in here.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function withoutVolatileMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const meta = resource.meta as Record<string, unknown> | undefined;
  if (!meta) return resource;
  const { versionId: _v, lastUpdated: _l, ...rest } = meta;
  const copy = { ...resource };
  if (Object.keys(rest).length === 0) delete copy.meta;
  else copy.meta = rest;
  return copy;
}

/** Resources in any order; the hash sorts them by (resourceType, id). Hex SHA-256. */
export function canonicalResourcesHash(resources: Iterable<Record<string, unknown>>): string {
  const lines: [string, string][] = [];
  for (const resource of resources) {
    const key = `${String(resource.resourceType)}/${String(resource.id)}`;
    lines.push([key, canonicalJson(withoutVolatileMeta(resource))]);
  }
  lines.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const [, line] of lines) hash.update(line).update('\n');
  return hash.digest('hex');
}
