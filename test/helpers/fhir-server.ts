import type { FastifyInstance } from 'fastify';
import { accountsOf } from '../../src/accounts/accounts-service.ts';
import { demoFamily, generatePersonRecords } from '../../src/demo/index.ts';
import { buildServer } from '../../src/http/server.ts';
import { generatedInput } from '../../src/import/generated-input.ts';
import { importFiles } from '../../src/import/import-service.ts';
import { importIntoVault } from '../../src/import/import-into-vault.ts';
import { sourcesRepository } from '../../src/sources/sources-repository.ts';
import { SYNTHEA_DIR, tempInstance } from './temp-instance.ts';

export type TestInstance = Awaited<ReturnType<typeof tempInstance>>;

/** A real server on 127.0.0.1 over a real encrypted instance, with fetch helpers. */
export interface FhirTestServer {
  instance: TestInstance;
  app: FastifyInstance;
  base: string;
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  login(username: string, password: string): Promise<string>;
  close(): Promise<void>;
}

export interface CallOptions {
  cookie?: string;
  body?: unknown;
  /** A raw body with its content type (form-encoded searches). */
  raw?: { type: string; text: string };
  headers?: Record<string, string>;
  csrf?: boolean;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON: tests read arbitrary FHIR shapes from it. */
  json: any;
}

export async function startFhirServer(instance: TestInstance): Promise<FhirTestServer> {
  const app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const call = async (method: string, path: string, { cookie, body, raw, headers = {}, csrf = true }: CallOptions = {}): Promise<CallResult> => {
    const response = await fetch(path.startsWith('http') ? path : `${base}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
        ...(raw ? { 'content-type': raw.type } : {}),
        ...(csrf && method !== 'GET' ? { 'x-hearth-csrf': '1' } : {}),
        ...(cookie ? { cookie: `__Host-hearth-session=${cookie}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : raw ? { body: raw.text } : {}),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  return {
    instance,
    app,
    base,
    call,
    async login(username, password) {
      const answer = await call('POST', '/api/login', { raw: { type: 'application/json', text: JSON.stringify({ username, password }) } });
      if (answer.status !== 200) throw new Error(`login of ${username} failed: ${answer.status}`);
      const cookie = answer.headers.getSetCookie().map((line) => /^__Host-hearth-session=([^;]*)/.exec(line)?.[1]).find(Boolean);
      return cookie!;
    },
    close: () => app.close(),
  };
}

/** A demo family member's generated records imported into a new person (small and fast). */
export async function demoPerson(instance: TestInstance, planIndex: number, targetResources = 120): Promise<string> {
  const plan = demoFamily(7)[planIndex]!;
  const person = instance.people.add(plan.name);
  const source = sourcesRepository(instance.system).findOrCreate(person.id, 'file', 'demo');
  const vault = instance.people.openVault(person.id);
  try {
    const input = generatedInput(`demo:${plan.key}`, `demo:7:${plan.key}:${targetResources}`, targetResources * 2000, () =>
      generatePersonRecords(plan, { seed: 7, targetResources }),
    );
    const report = await importIntoVault(vault, { sourceId: source.id, inputs: [input] });
    if (report.errorCount > 0) throw new Error('demo import failed');
  } finally {
    vault.close();
  }
  return person.id;
}

/** One Synthea patient (test/fixtures/synthea-10) imported into a new person; returns the person and patient ids. */
export async function syntheaPerson(instance: TestInstance, patientId: string): Promise<string> {
  const person = instance.people.add(`Synthea ${patientId.slice(0, 8)}`);
  await importFiles(instance, { actor: 'test', paths: [SYNTHEA_DIR], target: { kind: 'person', personId: person.id, patientId } });
  return person.id;
}

export const accountsFor = (instance: TestInstance) => accountsOf(instance.system);
