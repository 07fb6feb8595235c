import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resource } from '@medplum/fhirtypes';
import { createAuthorizationServer } from './authorization-server.ts';
import { defaultBehaviours, type ProviderBehaviours } from './behaviours.ts';
import { buildDataset } from './dataset.ts';
import { createFhirApi } from './fhir-api.ts';

/**
 * A SMART on FHIR provider for Hearth's tests and for trying provider connections by hand
 * (`npm run provider`): oidc-provider as the authorization server, a FHIR R4 API over Hearth's own
 * demo patients, and switchable misbehaviours. Everything listens on 127.0.0.1 only.
 *
 *   const provider = await startTestProvider({ patients: 2, resourcesPerPatient: 200 });
 *   const token = await provider.mintAccessToken(provider.patients[0].id);
 *   await fetch(`${provider.fhirBaseUrl}/Observation?patient=${provider.patients[0].id}`, { headers: { authorization: `Bearer ${token}` } });
 */

export type { ProviderBehaviours } from './behaviours.ts';
export { followAuthorization } from './browser.ts';

export interface TestProvider {
  fhirBaseUrl: string;
  issuer: string;
  secondHostBaseUrl: string;
  origins: string[];
  patients: { id: string; name: string; resourceCount: number }[];
  behaviours: ProviderBehaviours;
  registerClient(metadata: Record<string, unknown>): Promise<void>;
  mintAccessToken(patientId: string, scope?: string): Promise<string>;
  revokeGrants(patientId?: string): Promise<void>;
  expireRefreshTokens(): void;
  requestLog: { method: string; url: string; status: number }[];
  /** Adds or replaces a record in a patient's compartment with meta.lastUpdated = now (incremental syncs). */
  upsertResource(patientId: string, resource: Resource): Promise<Resource>;
  close(): Promise<void>;
}

export interface TestProviderOptions {
  patients?: number;
  resourcesPerPatient?: number;
  seed?: number;
  latencyMs?: number;
  behaviours?: Partial<ProviderBehaviours>;
  /** Fixed ports for `npm run provider`; tests leave them 0. */
  port?: number;
  secondPort?: number;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** Registers the public client `hearth-demo-public` with these redirect URIs (`npm run provider`). */
  demoRedirectUris?: string[];
}

/** Query parameters that carry secrets never reach requestLog. */
const SECRET_PARAMS = ['access_token', 'code', 'refresh_token', 'client_secret', 'client_assertion', 'code_verifier'];

function loggedUrl(raw: string): string {
  const url = new URL(raw, 'http://x');
  for (const name of SECRET_PARAMS) if (url.searchParams.has(name)) url.searchParams.set(name, 'redacted');
  return url.pathname + url.search;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function startTestProvider(options: TestProviderOptions = {}): Promise<TestProvider> {
  const behaviours: ProviderBehaviours = { ...defaultBehaviours(), ...options.behaviours };
  if (options.latencyMs !== undefined) behaviours.latencyMs = options.latencyMs;
  const dataset = await buildDataset({ patients: options.patients ?? 1, resourcesPerPatient: options.resourcesPerPatient ?? 300, seed: options.seed ?? 42 });
  const requestLog: TestProvider['requestLog'] = [];

  // Handlers are attached once the ports (and so the URLs) are known.
  let mainHandler: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async () => {};
  let secondHandler: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async () => {};
  const wrap = (handler: () => (req: IncomingMessage, res: ServerResponse) => Promise<void>) => (req: IncomingMessage, res: ServerResponse) => {
    const entry = { method: req.method ?? 'GET', url: loggedUrl(req.url ?? '/') };
    res.once('finish', () => requestLog.push({ ...entry, status: res.statusCode }));
    const run = async () => {
      if (behaviours.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviours.latencyMs));
      await handler()(req, res);
    };
    run().catch((error: unknown) => {
      console.error('test provider: request failed', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const main = createServer(wrap(() => mainHandler));
  const second = createServer(wrap(() => secondHandler));
  const port = await listen(main, options.port ?? 0);
  const secondPort = await listen(second, options.secondPort ?? 0);
  const origin = `http://127.0.0.1:${port}`;
  const secondOrigin = `http://127.0.0.1:${secondPort}`;
  const issuer = `${origin}/oauth`;
  const fhirBaseUrl = `${origin}/fhir/r4`;
  const secondHostBaseUrl = `${secondOrigin}/files`;

  const auth = createAuthorizationServer({
    issuer,
    fhirBaseUrl,
    dataset,
    behaviours,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 86_400,
    demoRedirectUris: options.demoRedirectUris ?? [],
  });
  const fhir = createFhirApi({ issuer, fhirBaseUrl, secondHostBaseUrl, dataset, behaviours, auth });

  mainHandler = async (req, res) => {
    if (await auth.handle(req, res)) return;
    if (await fhir.handle(req, res, new URL(req.url ?? '/', origin))) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
  };
  const secondPath = new URL(secondHostBaseUrl).pathname;
  secondHandler = async (req, res) => {
    const url = new URL(req.url ?? '/', secondOrigin);
    if (!url.pathname.startsWith(`${secondPath}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    await fhir.handleSecondHost(req, res, new URL(url.pathname.slice(secondPath.length) + url.search, secondOrigin));
  };

  const close = (server: Server) => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

  return {
    fhirBaseUrl,
    issuer,
    secondHostBaseUrl,
    origins: [origin, secondOrigin],
    patients: dataset.patients.map((patient) => ({ id: patient.id, name: patient.name, resourceCount: patient.resourceCount })),
    behaviours,
    registerClient: (metadata) => auth.registerClient(metadata),
    mintAccessToken: (patientId, scope) => auth.mintAccessToken(patientId, scope),
    revokeGrants: (patientId) => auth.revokeGrants(patientId),
    expireRefreshTokens: () => auth.expireRefreshTokens(),
    requestLog,
    async upsertResource(patientId, resource) {
      const patient = dataset.patient(patientId);
      if (!patient) throw new Error(`upsertResource: no patient ${patientId}`);
      // MemoryRepository.updateResource stamps a new versionId and meta.lastUpdated = now.
      const id = resource.id ?? `${resource.resourceType.toLowerCase()}-new-${randomUUID()}`;
      const stored = await patient.repo.updateResource({ ...resource, id });
      patient.types.add(stored.resourceType);
      return stored;
    },
    async close() {
      await Promise.all([close(main), close(second)]);
    },
  };
}
