import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, FhirHttpError, fhirClient, retryAfterMs, type SyncSession } from './fhir-client.ts';
import { hostLimiter } from './host-limiter.ts';

type Scripted = { status: number; headers?: Record<string, string>; body?: unknown };

/** A tiny loopback server answering a script of responses in order, recording what it saw. */
async function scriptedServer(script: Scripted[]) {
  const seen: { url: string; authorization: string | undefined; accept: string | undefined }[] = [];
  const server: Server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', authorization: request.headers.authorization, accept: request.headers.accept });
    const next = script.shift() ?? { status: 200, body: { resourceType: 'Bundle' } };
    response.writeHead(next.status, { 'content-type': 'application/fhir+json', ...next.headers });
    response.end(JSON.stringify(next.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function session(base: string, tokens = ['t1', 't2']): SyncSession & { refreshes: number } {
  let current = tokens[0]!;
  const s = {
    sourceId: 's',
    fhirBaseUrl: base,
    patientId: 'p',
    grantedScopes: ['patient/*.rs'],
    refreshes: 0,
    accessToken: async () => current,
    refreshAfterUnauthorized: async () => {
      s.refreshes++;
      current = tokens[s.refreshes] ?? 'none';
      return current;
    },
  };
  return s;
}

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('fhir client', () => {
  it('sends the bearer token and FHIR Accept header', async () => {
    const server = await scriptedServer([{ status: 200, body: { resourceType: 'Patient', id: 'p' } }]);
    servers.push(server);
    const client = fhirClient({ fetch: globalThis.fetch, session: session(server.base) });
    expect(await client.getJson(`${server.base}/Patient/p`)).toEqual({ resourceType: 'Patient', id: 'p' });
    expect(server.seen[0]).toMatchObject({ authorization: 'Bearer t1', accept: 'application/fhir+json' });
  });

  it('waits as Retry-After asks on 429 and 503, capped', async () => {
    const server = await scriptedServer([{ status: 429, headers: { 'retry-after': '7' } }, { status: 503, headers: { 'retry-after': '9999' } }, { status: 200, body: { ok: 1 } }]);
    servers.push(server);
    const waits: number[] = [];
    const client = fhirClient({ fetch: globalThis.fetch, session: session(server.base), sleep: async (ms) => void waits.push(ms), retryAfterCapMs: 60_000 });
    expect(await client.getJson(`${server.base}/x`)).toEqual({ ok: 1 });
    expect(waits).toEqual([7000, 60_000]);
  });

  it('backs off on 5xx and fails with the status after the last attempt', async () => {
    const server = await scriptedServer([{ status: 500 }, { status: 502 }, { status: 500, body: { resourceType: 'OperationOutcome', issue: [{ code: 'exception', diagnostics: 'Ann Smith' }] } }]);
    servers.push(server);
    const waits: number[] = [];
    const client = fhirClient({ fetch: globalThis.fetch, session: session(server.base), maxAttempts: 3, random: () => 0.5, baseDelayMs: 100, sleep: async (ms) => void waits.push(ms) });
    const failure = await client.getJson(`${server.base}/x`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FhirHttpError);
    expect(failure).toMatchObject({ httpStatus: 500, outcomeCode: 'exception' });
    expect(JSON.stringify(failure)).not.toContain('Ann');
    expect(waits).toEqual([50, 100]);
    expect(server.seen).toHaveLength(3);
  });

  it('refreshes once on 401 and retries with the new token; a second 401 fails', async () => {
    const server = await scriptedServer([{ status: 401 }, { status: 200, body: { ok: 1 } }, { status: 401 }, { status: 401 }]);
    servers.push(server);
    const s = session(server.base, ['old', 'new', 'newer']);
    const client = fhirClient({ fetch: globalThis.fetch, session: s });
    expect(await client.getJson(`${server.base}/a`)).toEqual({ ok: 1 });
    expect(server.seen.map((r) => r.authorization)).toEqual(['Bearer old', 'Bearer new']);
    await expect(client.getJson(`${server.base}/b`)).rejects.toMatchObject({ httpStatus: 401 });
    expect(s.refreshes).toBe(2);
  });

  it('does not retry other 4xx', async () => {
    const server = await scriptedServer([{ status: 403 }, { status: 200 }]);
    servers.push(server);
    const client = fhirClient({ fetch: globalThis.fetch, session: session(server.base) });
    await expect(client.getJson(`${server.base}/x`)).rejects.toMatchObject({ httpStatus: 403 });
    expect(server.seen).toHaveLength(1);
  });
});

describe('retry helpers', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
  it('full jitter stays under the exponential ceiling', () => {
    expect(backoffMs(3, 100, 10_000, () => 0.999)).toBe(799);
    expect(backoffMs(20, 100, 10_000, () => 0.5)).toBe(5000);
  });
  it('the host limiter never runs more than its limit at once per origin', async () => {
    const limiter = hostLimiter(2);
    let active = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const work = () => limiter.run('o', async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise<void>((resolve) => gates.push(resolve));
      active--;
    });
    const all = Promise.all([work(), work(), work(), work(), work()]);
    while (gates.length > 0 || active > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      gates.shift()?.();
    }
    await all;
    expect(peak).toBe(2);
  });
});
