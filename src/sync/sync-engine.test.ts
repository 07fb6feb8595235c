import { afterEach, describe, expect, it } from 'vitest';
import { recordStore } from '../records/record-store.ts';
import { fixedSession, send, startMiniFhir, type MiniFhir } from '../../test/helpers/mini-fhir.ts';
import { tempVault } from '../../test/helpers/temp-vault.ts';
import { runSync, type SyncRunOptions } from './sync-engine.ts';
import { finalState } from './sync-results.ts';
import type { SyncCheckpoint, SyncResults } from './sync-types.ts';

const patient = (id: string) => ({ resourceType: 'Patient', id, name: [{ family: 'Test' }] });
const observation = (id: string, patientId: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation', id, status: 'final', code: { text: 'weight' }, subject: { reference: `Patient/${patientId}` },
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }], ...extra,
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(resources: Record<string, unknown>[], everything = false) {
  const server = await startMiniFhir({ resources, everything });
  const vault = tempVault();
  cleanups.push(() => server.close(), () => vault.dispose());
  return { server, vault };
}

function run(server: MiniFhir, vault: ReturnType<typeof tempVault>, extra: Partial<SyncRunOptions> = {}) {
  const saved: SyncCheckpoint[] = [];
  const results: SyncResults = {};
  const promise = runSync({
    vault, sourceId: 'src-1', jobId: 'job-1', session: fixedSession(server.base, 'p1'), fetch: globalThis.fetch,
    retry: { sleep: async () => {}, maxAttempts: 3 }, pageSize: 100, checkpoint: null, results, since: null,
    saveProgress: (checkpoint) => void saved.push(structuredClone(checkpoint)), ...extra,
  });
  return { promise, saved, results };
}

const many = (n: number) => Array.from({ length: n }, (_, i) => observation(`o${i}`, 'p1'));

describe('sync engine', () => {
  it('pages through per-type searches and writes every record; a second sync changes nothing', async () => {
    const { server, vault } = await setup([patient('p1'), ...many(250), observation('x1', 'p2'), patient('p2')]);
    const first = run(server, vault);
    const result = await first.promise;
    expect(result.results.Observation).toMatchObject({ new: 250, errors: [] });
    expect(result.results.Patient).toMatchObject({ new: 1 });
    expect(server.requests.filter((r) => r.startsWith('/Observation?'))).toHaveLength(3);
    expect(finalState(result.results)).toBe('succeeded');
    expect(first.saved.at(-1)?.stepIndex).toBe(result.checkpoint.steps.length);
    const again = await run(server, vault).promise;
    expect(again.results.Observation).toMatchObject({ new: 0, unchanged: 250 });
    expect(recordStore(vault.db).read('Observation', 'x1')).toBeUndefined();
  });

  it('asks for the first pages of the next type searches while one is written, within the per-host limit', async () => {
    const condition = (id: string) => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p1' }, code: { text: 'x' } });
    const { server, vault } = await setup([patient('p1'), ...many(150), condition('c1'), condition('c2')]);
    let inFlight = 0;
    let most = 0;
    const slowFetch: typeof globalThis.fetch = async (input, init) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return await globalThis.fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    const result = await run(server, vault, { fetch: slowFetch }).promise;
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4); // DEFAULT_PER_HOST_CONCURRENCY
    expect(finalState(result.results)).toBe('succeeded');
    expect(result.results.Observation).toMatchObject({ new: 150, errors: [] });
    expect(result.results.Condition).toMatchObject({ new: 2, errors: [] });
    // Every search asked once: a step's prefetched first page is the one used.
    const searches = server.requests.filter((r) => /^\/[A-Za-z]+\?/.test(r));
    expect(new Set(searches).size).toBe(searches.length);
  });

  it('uses Patient/$everything with paging when the server declares it', async () => {
    const { server, vault } = await setup([patient('p1'), ...many(120)], true);
    const result = await run(server, vault).promise;
    expect(result.checkpoint.mode).toBe('everything');
    expect(server.requests.filter((r) => r.includes('$everything'))).toHaveLength(2);
    expect(result.results.Observation?.new).toBe(120);
  });

  it('retries a 503 with Retry-After, and a type whose server keeps failing makes the job partial', async () => {
    const { server, vault } = await setup([patient('p1'), ...many(5), { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: 'x' } }]);
    let observationCalls = 0;
    server.override = (url, response) => {
      if (url.pathname.endsWith('/Observation') && observationCalls++ === 0) return send(response, 503, {}, { 'retry-after': '1' });
      if (url.pathname.endsWith('/Condition')) return send(response, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'secret name' }] });
      return false;
    };
    const result = await run(server, vault).promise;
    expect(result.results.Observation?.new).toBe(5);
    expect(result.results.Condition?.errors).toEqual([{ code: 'http_500', status: 500, target: 'exception' }]);
    expect(JSON.stringify(result.results)).not.toContain('secret');
    expect(finalState(result.results)).toBe('partial');
  });

  it('stops a next-link loop and a next link to another origin with an error on that type', async () => {
    const { server, vault } = await setup([patient('p1'), ...many(3)]);
    server.override = (url, response) => {
      if (!url.pathname.endsWith('/Observation')) return false;
      const next = url.searchParams.get('page') === '2' ? `${server.base}/Observation?page=1` : `${server.base}/Observation?page=2`;
      const entry = url.searchParams.get('page') === '2' ? [{ resource: many(3)[1] }] : [{ resource: many(3)[0] }];
      return send(response, 200, { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: url.searchParams.has('page') ? next : `${server.base}/Observation?page=1` }], entry });
    };
    const looped = await run(server, vault).promise;
    expect(looped.results.Observation?.errors).toEqual([{ code: 'paging_loop' }]);
    expect(finalState(looped.results)).toBe('partial');
    server.override = (url, response) =>
      url.pathname.endsWith('/Observation') ? send(response, 200, { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: 'http://127.0.0.1:1/fhir/Observation?page=2' }], entry: [] }) : false;
    const foreign = await run(server, vault).promise;
    expect(foreign.results.Observation?.errors).toEqual([{ code: 'next_link_other_origin' }]);
    expect(server.requests.some((r) => r.includes('page=2'))).toBe(false);
  });

  it('turns OperationOutcome entries into warnings, keeps the rest of a page when a record is invalid', async () => {
    const { server, vault } = await setup([patient('p1')]);
    server.override = (url, response) =>
      url.pathname.endsWith('/Observation')
        ? send(response, 200, { resourceType: 'Bundle', type: 'searchset', entry: [
            { resource: observation('good', 'p1') },
            { resource: { resourceType: 'Observation', id: 'bad', status: 42, code: { text: 'Jane' } } },
            { resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'incomplete', diagnostics: 'Jane Doe' }] }, search: { mode: 'outcome' } },
          ] })
        : false;
    const result = await run(server, vault).promise;
    expect(result.results.Observation).toMatchObject({ new: 1, warnings: [{ code: 'outcome:incomplete' }], errors: [{ code: 'invalid_resource' }] });
    expect(JSON.stringify(result.results)).not.toContain('Jane');
  });

  it('asks per category when a plain search is refused', async () => {
    const { server, vault } = await setup([patient('p1'), ...many(4)]);
    server.override = (url, response) => (url.pathname.endsWith('/Observation') && !url.searchParams.has('category') ? send(response, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'required' }] }) : false);
    const result = await run(server, vault).promise;
    expect(result.results.Observation).toMatchObject({ new: 4, warnings: [{ code: 'search_needs_category', status: 400 }], errors: [] });
    expect(server.requests.filter((r) => r.includes('category='))).toHaveLength(6);
  });

  it('fetches referenced records and Binaries on allowed hosts, never another patient, never an unknown host', async () => {
    const second = await startMiniFhir({ resources: [{ resourceType: 'Binary', id: 'b2', contentType: 'text/plain', data: 'aGk=' }] });
    const stranger = await startMiniFhir({ resources: [{ resourceType: 'Binary', id: 'b3', contentType: 'text/plain', data: 'aGk=' }] });
    cleanups.push(() => second.close(), () => stranger.close());
    const document = (id: string, url: string) => ({ resourceType: 'DocumentReference', id, status: 'current', subject: { reference: 'Patient/p1' }, content: [{ attachment: { contentType: 'text/plain', url } }] });
    const { server, vault } = await setup([
      patient('p1'),
      observation('o1', 'p1', { performer: [{ reference: 'Practitioner/dr' }, { reference: 'Patient/p2' }] }),
      { resourceType: 'Practitioner', id: 'dr', qualification: [{ code: { text: 'MD' }, issuer: { reference: 'Organization/org' } }] },
      { resourceType: 'Organization', id: 'org', name: 'Clinic' },
      { resourceType: 'Binary', id: 'b1', contentType: 'text/plain', data: 'aGk=' },
      document('d1', 'Binary/b1'), document('d2', `${second.base}/Binary/b2`), document('d3', `${stranger.base.replace('127.0.0.1', 'localhost')}/Binary/b3`),
      patient('p2'),
    ]);
    server.discovery = { ...server.discovery, 'binary_endpoint': `${second.origin}/x` };
    const result = await run(server, vault).promise;
    const store = recordStore(vault.db);
    expect(store.read('Practitioner', 'dr')).toBeDefined();
    expect(store.read('Organization', 'org')).toBeDefined(); // a second round
    expect(store.read('Binary', 'b1')).toBeDefined();
    expect(store.read('Binary', 'b2')).toBeDefined();
    expect(store.read('Binary', 'b3')).toBeUndefined();
    expect(stranger.requests).toEqual([]);
    expect(store.read('Patient', 'p2')).toBeUndefined();
    expect(server.requests).not.toContain('/Patient/p2');
    expect(result.results.Patient?.warnings).toContainEqual({ code: 'foreign_reference_not_fetched', target: 'Patient' });
    expect(result.results.Binary?.warnings).toEqual([{ code: 'attachment_host_not_allowed' }]);
  });

  it('keeps a Patient whose id differs from the launch context, with a warning', async () => {
    const { server, vault } = await setup([observation('o1', 'p1-merged')]);
    server.override = (url, response) => (url.pathname.endsWith('/Patient') ? send(response, 200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: patient('p1-merged') }] }) : false);
    server.resources.push({ resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1-merged' } });
    const result = await run(server, vault, { session: { ...fixedSession(server.base, 'p1'), grantedScopes: ['patient/*.rs'] } }).promise;
    expect(result.results.Patient).toMatchObject({ new: 1, warnings: [{ code: 'patient_id_differs' }] });
    expect(recordStore(vault.db).read('Patient', 'p1-merged')).toBeDefined();
  });

  it('an incremental sync asks _lastUpdated=gt<since>', async () => {
    const { server, vault } = await setup([patient('p1'), ...many(2)]);
    await run(server, vault, { since: '2026-01-01T00:00:00.000Z' }).promise;
    expect(server.requests.find((r) => r.startsWith('/Observation?'))).toContain('_lastUpdated=gt2026-01-01T00%3A00%3A00.000Z');
  });

  it('stops after the current page when cancelled, and resumes from the checkpoint', async () => {
    const { server, vault } = await setup([patient('p1'), ...many(300)]);
    const controller = new AbortController();
    let pages = 0;
    const first = run(server, vault, { signal: controller.signal, onProgress: (p) => { if (p.type === 'Observation' && ++pages === 1) controller.abort(); } });
    const stopped = await first.promise;
    expect(stopped.cancelled).toBe(true);
    expect(stopped.results.Observation?.new).toBe(100);
    const resumed = await run(server, vault, { checkpoint: stopped.checkpoint, results: stopped.results }).promise;
    expect(resumed.cancelled).toBe(false);
    expect(resumed.results.Observation).toMatchObject({ new: 300 });
    // The resumed run starts at the saved next page: the first page was asked for once only.
    expect(server.requests.filter((r) => r.startsWith('/Observation?') && !r.includes('_offset'))).toHaveLength(1);
  });
});
