import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny FHIR R4 server on 127.0.0.1 for the sync engine's unit tests: resources in memory, type
 * searches by `patient` with offset paging, Patient/$everything, reads, and a hook to answer any
 * request differently (errors, loops, odd next links). The full test provider (test-provider/) is
 * used for end-to-end tests.
 */
export interface MiniFhir {
  base: string;
  origin: string;
  resources: Record<string, unknown>[];
  everything: boolean;
  requests: string[];
  /** Return true when it answered the request itself. */
  override?: (url: URL, response: ServerResponse) => boolean;
  discovery: Record<string, unknown>;
  close(): Promise<void>;
}

export function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  response.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
  response.end(JSON.stringify(body));
  return true;
}

function patientOf(resource: Record<string, unknown>): string | undefined {
  const ref = ((resource.subject ?? resource.patient ?? resource.beneficiary) as { reference?: string } | undefined)?.reference;
  return ref?.startsWith('Patient/') ? ref.slice(8) : undefined;
}

function bundle(server: MiniFhir, url: URL, matches: Record<string, unknown>[]) {
  // Like real servers, a larger _count is cut to the server's maximum (100 here).
  const count = Math.min(Number(url.searchParams.get('_count') ?? 100), 100);
  const offset = Number(url.searchParams.get('_offset') ?? 0);
  const page = matches.slice(offset, offset + count);
  const link = [{ relation: 'self', url: url.href }];
  if (offset + count < matches.length) {
    const next = new URL(url.href);
    next.searchParams.set('_offset', String(offset + count));
    link.push({ relation: 'next', url: next.href });
  }
  return { resourceType: 'Bundle', type: 'searchset', total: matches.length, link, entry: page.map((resource) => ({ fullUrl: `${server.base}/${String(resource.resourceType)}/${String(resource.id)}`, resource, search: { mode: 'match' } })) };
}

export async function startMiniFhir(options: { resources?: Record<string, unknown>[]; everything?: boolean } = {}): Promise<MiniFhir> {
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', server.origin);
    server.requests.push(url.pathname.replace(/^\/fhir/, '') + url.search);
    if (server.override?.(url, response)) return;
    const path = url.pathname.replace(/^\/fhir\/?/, '').split('/').filter(Boolean);
    if (path[0] === 'metadata') {
      const types = [...new Set(server.resources.map((r) => String(r.resourceType))), 'Patient', 'Observation', 'Condition'];
      return send(response, 200, { resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1', format: ['json'], rest: [{ mode: 'server', resource: types.map((type) => ({ type, ...(type === 'Patient' && server.everything ? { operation: [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }] } : {}) })) }] });
    }
    if (path[0] === '.well-known') return send(response, 200, server.discovery);
    if (path.length === 3 && path[0] === 'Patient' && path[2] === '$everything') {
      const since = url.searchParams.get('_since');
      return send(response, 200, bundle(server, url, server.resources.filter((r) => (r.resourceType === 'Patient' ? r.id === path[1] : patientOf(r) === path[1] || patientOf(r) === undefined) && (!since || String((r.meta as { lastUpdated?: string } | undefined)?.lastUpdated ?? '') > since))));
    }
    if (path.length === 2) {
      const found = server.resources.find((r) => r.resourceType === path[0] && r.id === path[1]);
      return found ? send(response, 200, found) : send(response, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    }
    if (path.length === 1) {
      const patient = url.searchParams.get('patient');
      const id = url.searchParams.get('_id');
      const category = url.searchParams.get('category');
      const lastUpdated = url.searchParams.get('_lastUpdated');
      const matches = server.resources.filter((r) => r.resourceType === path[0] && (id === null || r.id === id) && (patient === null || patientOf(r) === patient)
        && (category === null || JSON.stringify(r.category ?? '').includes(`"${category}"`))
        && (lastUpdated === null || String((r.meta as { lastUpdated?: string } | undefined)?.lastUpdated ?? '') > lastUpdated.replace(/^gt/, '')));
      return send(response, 200, bundle(server, url, matches));
    }
    return send(response, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  };
  const http: Server = createServer(handle);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const server: MiniFhir = {
    base: `${origin}/fhir`,
    origin,
    resources: options.resources ?? [],
    everything: options.everything ?? false,
    requests: [],
    discovery: { token_endpoint: `${origin}/token`, authorization_endpoint: `${origin}/authorize` },
    close: () => new Promise<void>((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }),
  };
  return server;
}

/** A ProviderSession-shaped session for a mini server (no OAuth: a fixed token). */
export function fixedSession(base: string, patientId: string, scopes = ['patient/*.rs']) {
  return {
    sourceId: 'source',
    fhirBaseUrl: base,
    patientId,
    grantedScopes: scopes,
    accessToken: async (checkpoint?: () => void) => {
      checkpoint?.();
      return 'token';
    },
    refreshAfterUnauthorized: async () => 'token',
  };
}
