import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import type { ImportJob } from '../src/http/import-jobs.ts';
import { buildServer } from '../src/http/server.ts';
import { buildZip } from '../src/import/readers/zip-writer.test-helper.ts';
import { filesHolding } from './helpers/canary.ts';
import { importClient, PASSWORDS, setUpAccounts } from './helpers/import-http-client.ts';
import { SYNTHEA_DIR, tempInstance } from './helpers/temp-instance.ts';

// Upload imports over real HTTP: a real server on 127.0.0.1, real encrypted vaults, the Synthea fixture.
const CAP_MIB = 8;
const fixture = (name: string) => readFileSync(join(SYNTHEA_DIR, name));
const lines = (bytes: Buffer) => bytes.toString('utf8').split('\n').filter((line) => line.trim() !== '');
const CCD = readFileSync(join(import.meta.dirname, '..', 'src', 'import', 'readers', 'fixtures', 'ccd-sample.xml'));

let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let client: ReturnType<typeof importClient>;
let base: string;
let alice: string;
let bob: string;
let aliceId: string;
const people: Record<'ann' | 'bea' | 'cid' | 'dan' | 'fay', string> = { ann: '', bea: '', cid: '', dan: '', fay: '' };
/** Request ids of the uploads, by the path and query they were sent to. */
const requestIds = new Map<string, string>();

beforeAll(async () => {
  instance = await tempInstance();
  for (const name of Object.keys(people) as (keyof typeof people)[]) people[name] = instance.people.add(name).id;
  const accounts = await setUpAccounts(instance.system, [{ personId: people.bea, role: 'viewer' }]);
  aliceId = accounts.owner.id;
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [], maxUploadMiB: CAP_MIB }, { imports: { batchSize: 100 } });
  app.addHook('onRequest', async (request) => {
    if (request.method === 'POST') requestIds.set(request.url, String(request.id));
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  client = importClient(base);
  alice = await client.login('alice', PASSWORDS.alice);
  bob = await client.login('bob', PASSWORDS.bob);
});
afterAll(async () => {
  await app.close();
  instance.dispose();
});

function countsIn(personId: string): Record<string, number> {
  const vault = instance.people.openVault(personId);
  try {
    const rows = vault.db.prepare('SELECT type, COUNT(*) AS count FROM resources GROUP BY type').all() as { type: string; count: number }[];
    return Object.fromEntries(rows.map((row) => [row.type, row.count]));
  } finally {
    vault.close();
  }
}

async function importAndWait(personId: string, filename: string, bytes: Buffer | string) {
  const answer = await client.upload(alice, personId, filename, bytes);
  expect(answer.status, JSON.stringify(answer.json)).toBe(202);
  const accepted = answer.json.job as ImportJob;
  expect(accepted).toMatchObject({ filename, finishedAt: null, report: null, progress: { bytesTotal: Buffer.byteLength(bytes) } });
  expect(['queued', 'running']).toContain(accepted.state);
  return { accepted, ...(await client.waitFor(alice, personId, accepted.id)) };
}

describe('uploading files into a person', () => {
  it('imports Synthea NDJSON and reports counts, warnings and a progress that rises to 1', async () => {
    const bytes = fixture('Patient.000.ndjson');
    const { job, seen } = await importAndWait(people.ann, 'Patient.000.ndjson', bytes);
    expect(job.state).toBe('done');
    expect(job.report).toMatchObject({ created: lines(bytes).length, updated: 0, unchanged: 0, errorCount: 0, errors: [] });
    expect(job.report!.warnings[0]!.message).toMatch(/^Patient\.000\.ndjson: the input holds 13 patients/);
    expect(countsIn(people.ann).Patient).toBe(lines(bytes).length);
    const fractions = seen.map((polled) => polled.progress.fraction);
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
    expect(job.finishedAt! >= job.createdAt).toBe(true);
  });

  it('imports a zip of NDJSON files, a Bundle and a C-CDA document', async () => {
    const allergies = fixture('AllergyIntolerance.000.ndjson');
    const immunizations = fixture('Immunization.000.ndjson');
    const zip = buildZip([
      { name: 'export/AllergyIntolerance.000.ndjson', data: allergies },
      { name: 'export/Immunization.000.ndjson', data: immunizations },
    ]);
    const zipped = await importAndWait(people.ann, 'export.zip', zip);
    expect(zipped.job).toMatchObject({ state: 'done', report: { created: lines(allergies).length + lines(immunizations).length, errorCount: 0 } });
    expect(countsIn(people.ann)).toMatchObject({ AllergyIntolerance: lines(allergies).length, Immunization: lines(immunizations).length });

    const organizations = lines(fixture('Organization.000.ndjson')).map((line) => ({ resource: JSON.parse(line) }));
    const bundle = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: organizations });
    const bundled = await importAndWait(people.ann, 'organizations.json', bundle);
    expect(bundled.job).toMatchObject({ state: 'done', report: { created: organizations.length, errorCount: 0 } });

    expect(countsIn(people.ann).Organization).toBeGreaterThanOrEqual(organizations.length);

    const before = countsIn(people.ann);
    const ccda = await importAndWait(people.ann, 'summary.xml', CCD);
    expect(ccda.job.state).toBe('done');
    expect(ccda.job.report!.created).toBeGreaterThan(5);
    const after = countsIn(people.ann);
    expect(after.Composition).toBe(1);
    const added = Object.entries(after).reduce((sum, [type, count]) => sum + count - (before[type] ?? 0), 0);
    expect(added).toBe(ccda.job.report!.created);

    // The same file again changes nothing.
    const again = await importAndWait(people.ann, 'export.zip', zip);
    expect(again.job.report).toMatchObject({ created: 0, updated: 0, unchanged: lines(allergies).length + lines(immunizations).length });
  });

  it('answers progress polls during a big import, and queues a second upload behind it', async () => {
    const big = fixture('DocumentReference.000.ndjson');
    const small = fixture('Device.000.ndjson');
    const first = await client.upload(alice, people.fay, 'DocumentReference.000.ndjson', big);
    const second = await client.upload(alice, people.fay, 'Device.000.ndjson', small);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.json.job.state).toBe('queued');

    // Polled together: the second runs only once the first is done, and some poll lands mid-import.
    const firstSeen: ImportJob[] = [];
    let midway = false;
    for (;;) {
      const [a, b] = await Promise.all([first, second].map((upload) => client.call('GET', `/api/people/${people.fay}/imports/${upload.json.job.id}`, { cookie: alice })));
      const [one, two] = [a!.json.job as ImportJob, b!.json.job as ImportJob];
      firstSeen.push(one);
      if (one.state === 'running' && one.progress.fraction > 0 && one.progress.fraction < 1) midway = true;
      if (two.state !== 'queued') expect(one.state).toBe('done');
      if (two.state === 'done' || two.state === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(midway).toBe(true);
    const items = firstSeen.map((job) => job.progress.items);
    expect(new Set(items).size).toBeGreaterThan(2);
    expect(countsIn(people.fay)).toEqual({ DocumentReference: lines(big).length, Device: lines(small).length });

    const list = await client.call('GET', `/api/people/${people.fay}/imports`, { cookie: alice });
    expect(list.status).toBe(200);
    expect(list.json.jobs.map((job: ImportJob) => job.filename)).toEqual(['Device.000.ndjson', 'DocumentReference.000.ndjson']);
  });
});

describe('hostile uploads', () => {
  const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  const vectors: [name: string, file: string, content: string | Buffer, expected: RegExp][] = [
    ['zip slip', 'slip.zip', buildZip([{ name: '../../x.ndjson', data: '{"resourceType":"Patient","id":"slip"}\n' }]), /climbs out of the archive/],
    ['XXE', 'xxe.xml', `<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><ClinicalDocument xmlns="urn:hl7-org:v3">&xxe;</ClinicalDocument>`, /DOCTYPE/],
    ['deep nesting', 'deep.json', `{"resourceType":"Patient","extension":${deep(10_000)}}`, /nest|deep/i],
    ['an unknown format', 'photo.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]), /not a format Hearth imports/],
  ];

  it.each(vectors)('fails the job for %s with a clear message and writes nothing', async (_name, file, content, expected) => {
    const { job } = await importAndWait(people.dan, file, content);
    expect(job.state).toBe('failed');
    expect(job.message).toMatch(expected);
    expect(job.message).toContain(file);
    expect(job.report!.errors[0]).toMatchObject({ location: expect.stringContaining(file), severity: 'error' });
    expect(countsIn(people.dan)).toEqual({});
  });

  it('refuses an upload past the cap with 413 too-large, and starts no job', async () => {
    const before = (await client.call('GET', `/api/people/${people.dan}/imports`, { cookie: alice })).json.jobs.length;
    const answer = await client.upload(alice, people.dan, 'huge.ndjson', Buffer.alloc((CAP_MIB + 1) * 1024 ** 2, 0x20));
    expect(answer.status).toBe(413);
    expect(answer.json.error).toEqual({ code: 'too-large', message: `the upload is larger than the ${CAP_MIB} MiB limit (server setting maxUploadMiB); split the export into smaller files` });
    // Without a declared length (chunked), the cap stops the read as it passes.
    const chunk = Buffer.alloc(1024 ** 2, 0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < CAP_MIB * 3) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await fetch(`${base}/api/people/${people.dan}/imports?filename=huge.ndjson`, {
      method: 'POST',
      headers: { cookie: `__Host-hearth-session=${alice}`, 'x-hearth-csrf': '1', 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe('too-large');
    expect(sent).toBeLessThan(CAP_MIB * 3);
    expect((await client.call('GET', `/api/people/${people.dan}/imports`, { cookie: alice })).json.jobs).toHaveLength(before);
  });

  it('refuses a missing file name, an empty body and a body that is not raw bytes', async () => {
    const noName = await client.call('POST', `/api/people/${people.dan}/imports`, { cookie: alice, body: '{}' });
    expect(noName.status).toBe(400);
    expect(noName.json.error.message).toMatch(/filename=/);
    const empty = await client.call('POST', `/api/people/${people.dan}/imports?filename=a.ndjson`, { cookie: alice });
    expect(empty.status).toBe(400);
    const json = await client.upload(alice, people.dan, 'a.json', '{"resourceType":"Patient"}', { type: 'application/json' });
    expect(json.status).toBe(422);
    expect(json.json.error.message).toMatch(/application\/octet-stream/);
    expect(countsIn(people.dan)).toEqual({});
  });
});

describe('who may upload and see imports', () => {
  const NO_SUCH_PERSON = { error: { code: 'not-found', message: 'no such person' } };
  const tiny = '{"resourceType":"Patient","id":"tiny"}\n';

  it('needs a session (401) and the CSRF header (403)', async () => {
    expect((await client.call('POST', `/api/people/${people.ann}/imports?filename=a.ndjson`, { body: tiny })).status).toBe(401);
    expect((await client.call('GET', `/api/people/${people.ann}/imports`)).status).toBe(401);
    const noCsrf = await client.upload(alice, people.ann, 'a.ndjson', tiny, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.error.code).toBe('csrf');
  });

  it('gives a viewer 404 on upload but the job list and jobs; no grant is the one 404 everywhere', async () => {
    const { accepted } = await importAndWait(people.bea, 'Device.000.ndjson', fixture('Device.000.ndjson'));
    expect(await client.upload(bob, people.bea, 'a.ndjson', tiny)).toEqual({ status: 404, json: NO_SUCH_PERSON });
    const list = await client.call('GET', `/api/people/${people.bea}/imports`, { cookie: bob });
    expect(list.status).toBe(200);
    expect(list.json.jobs.map((job: ImportJob) => job.id)).toEqual([accepted.id]);
    const one = await client.call('GET', `/api/people/${people.bea}/imports/${accepted.id}`, { cookie: bob });
    expect(one.status).toBe(200);
    expect(one.json.job.state).toBe('done');

    const annJob = (await client.call('GET', `/api/people/${people.ann}/imports`, { cookie: alice })).json.jobs[0] as ImportJob;
    for (const path of [`/api/people/${people.cid}/imports`, `/api/people/${people.ann}/imports`, `/api/people/${people.ann}/imports/${annJob.id}`, '/api/people/nobody/imports']) {
      expect(await client.call('GET', path, { cookie: bob }), path).toEqual({ status: 404, json: NO_SUCH_PERSON });
    }
    expect(await client.upload(bob, people.cid, 'a.ndjson', tiny)).toEqual({ status: 404, json: NO_SUCH_PERSON });
    // A job id under the wrong person is not found either, even for the owner.
    expect((await client.call('GET', `/api/people/${people.bea}/imports/${annJob.id}`, { cookie: alice })).status).toBe(404);
    expect(countsIn(people.cid)).toEqual({});
  });
});

describe('audit and at rest', () => {
  it('writes an import audit entry with the account, source address and request id', async () => {
    const { accepted } = await importAndWait(people.cid, 'Location.000.ndjson', fixture('Location.000.ndjson'));
    const requestId = requestIds.get(`/api/people/${people.cid}/imports?filename=Location.000.ndjson`);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const vault = instance.people.openVault(people.cid);
    try {
      const entries = auditLog(vault.db).list({ action: 'import' });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actor: aliceId, personId: people.cid, action: 'import', outcome: 'success', sourceAddress: '127.0.0.1', requestId });
    } finally {
      vault.close();
    }
    expect(accepted.id).not.toBe(requestId);
  });

  it('leaves no canary from an uploaded file in plaintext under the data dir or the temp dir', async () => {
    const started = Date.now() - 1000;
    const canary = `Upload-Canary-${Math.random().toString(36).slice(2)}-Marigold`;
    const records = [
      { resourceType: 'Patient', id: 'canary-p', name: [{ family: canary }] },
      { resourceType: 'Condition', id: 'canary-c', subject: { reference: 'Patient/canary-p' }, code: { text: canary } },
    ];
    const ndjson = records.map((record) => JSON.stringify(record)).join('\n');
    expect((await importAndWait(people.cid, 'canary.ndjson', ndjson)).job.state).toBe('done');
    expect((await importAndWait(people.cid, 'canary.zip', buildZip([{ name: 'c.ndjson', data: `${ndjson}\n{"resourceType":"Observation","id":"o","code":{"text":"${canary}"},"status":"final"}` }]))).job.state).toBe('done');
    expect(filesHolding(instance.paths.root, canary)).toEqual([]);
    expect(filesHolding(tmpdir(), canary, started)).toEqual([]);
  });
});
