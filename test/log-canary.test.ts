import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomKey } from '../src/keys/key-derivation.ts';
import { runCli, startServe } from './helpers/run-cli.ts';

// SECURITY.md: "logs never contain health data", nor tokens or passwords. A full run of the real
// server at its most verbose level, through every kind of request, with canaries in the records,
// the passwords, the query strings and the URLs; then every line it logged is scanned.
const CANARY = {
  personName: 'Quillcanary Person',
  patientName: 'Zyxcanary',
  note: 'canarynote-5c1e77',
  password: 'Canary-Password-7f3a91',
  wrongPassword: 'Canary-Wrong-Password-02bd',
  query: 'canaryquery-8842',
  path: 'canarypath-90af',
  upload: 'canaryupload-13d4',
} as const;

let work: string;
let env: NodeJS.ProcessEnv;
let personId: string;

function ndjson(patientId: string, name: string, note: string): string {
  const patient = { resourceType: 'Patient', id: patientId, name: [{ family: name, given: ['Ada'] }], birthDate: '1970-01-01' };
  const observation = {
    resourceType: 'Observation',
    id: `${patientId}-obs`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }], text: 'HbA1c' },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2024-02-03',
    valueQuantity: { value: 6.1, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    note: [{ text: note }],
  };
  return `${JSON.stringify(patient)}\n${JSON.stringify(observation)}\n`;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hearth-canary-'));
  env = { HEARTH_DATA_DIR: join(work, 'data'), HEARTH_MASTER_KEY: randomKey().toString('hex') };
  const file = join(work, 'records.ndjson');
  writeFileSync(file, ndjson('p1', CANARY.patientName, CANARY.note));
  expect((await runCli(['init'], env)).code).toBe(0);
  const added = await runCli(['person', 'add', '--name', CANARY.personName], env);
  personId = added.stdout.trim();
  expect((await runCli(['import', file, '--person', personId], env)).code).toBe(0);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('logs of a full server run', () => {
  it('hold no health data, passwords, session ids or tokens, at the most verbose level', async () => {
    const server = await startServe([], { ...env, HEARTH_LOG_LEVEL: 'debug' });
    const secrets: string[] = [];
    let cookie = '';
    const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
      const response = await fetch(`${server.address}${path}`, {
        method,
        headers: {
          ...(method === 'GET' ? {} : { 'x-hearth-csrf': '1' }),
          ...(body !== undefined ? { 'content-type': type } : {}),
          ...(cookie ? { cookie } : {}),
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const set = response.headers.getSetCookie().find((line) => line.startsWith('__Host-hearth-session='));
      if (set) {
        cookie = set.split(';', 1)[0]!;
        // A cleared cookie (logout) has an empty value: nothing to look for.
        const value = cookie.split('=')[1]!;
        if (value !== '') secrets.push(value);
      }
      return { status: response.status, text: await response.text() };
    };
    try {
      expect((await call('POST', '/api/setup', { username: 'owner', password: CANARY.password })).status).toBe(201);
      expect((await call('POST', '/api/logout')).status).toBe(204);
      cookie = '';
      expect((await call('POST', '/api/login', { username: 'owner', password: CANARY.wrongPassword })).status).toBe(401);
      expect((await call('POST', '/api/login', `{"username":"owner","password":"${CANARY.wrongPassword}`)).status).toBe(400);
      expect((await call('POST', '/api/login', { username: 'owner', password: CANARY.password })).status).toBe(200);
      expect((await call('GET', '/api/session')).text).toContain(CANARY.personName);
      // A TOTP seed and an invite token (which travels in a URL path) are secrets too.
      const totp = await call('POST', '/api/totp/setup');
      expect(totp.status).toBe(200);
      secrets.push((JSON.parse(totp.text) as { secret: string }).secret);
      const invite = await call('POST', '/api/invites', { grants: [{ personId, role: 'viewer' }] });
      expect(invite.status).toBe(201);
      const token = (JSON.parse(invite.text) as { token: string }).token;
      secrets.push(token);
      expect((await call('GET', `/api/invites/${token}`)).status).toBe(200);

      const search = await call('GET', `/fhir/${personId}/Patient?name=${CANARY.patientName}`);
      expect(search.text).toContain(CANARY.patientName);
      const patientId = (JSON.parse(search.text) as { entry: { resource: { id: string } }[] }).entry[0]!.resource.id;
      expect((await call('GET', `/fhir/${personId}/Observation?_content=${CANARY.note}`)).text).toContain(CANARY.note);
      expect((await call('POST', `/fhir/${personId}/Observation/_search`, `_text=${CANARY.query}`, 'application/x-www-form-urlencoded')).status).toBe(200);
      expect((await call('GET', `/fhir/${personId}/Patient/${patientId}/$everything`)).text).toContain(CANARY.note);
      expect((await call('GET', `/fhir/${personId}/Observation/${CANARY.path}`)).status).toBe(404);
      expect((await call('GET', `/fhir/${personId}/Observation?${CANARY.query}=1`)).status).toBe(400);
      expect((await call('GET', `/${CANARY.path}?q=${CANARY.query}`)).status).toBeLessThan(500);
      const created = await call('POST', `/fhir/${personId}/Observation`, { resourceType: 'Observation', status: 'final', code: { text: CANARY.note }, subject: { reference: `Patient/${patientId}` } }, 'application/fhir+json');
      expect(created.status).toBe(201);

      const upload = await fetch(`${server.address}/api/people/${personId}/imports?filename=${CANARY.upload}.ndjson`, {
        method: 'POST',
        headers: { 'x-hearth-csrf': '1', 'content-type': 'application/octet-stream', cookie },
        body: ndjson('p2', CANARY.upload, CANARY.upload),
      });
      expect(upload.status).toBe(202);
      const { job } = (await upload.json()) as { job: { id: string; state: string } };
      let state = job.state;
      for (let tries = 0; tries < 200 && (state === 'queued' || state === 'running'); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        state = (JSON.parse((await call('GET', `/api/people/${personId}/imports/${job.id}`)).text) as { job: { state: string } }).job.state;
      }
      expect(state).toBe('done');
      expect((await call('POST', '/api/logout')).status).toBe(204);
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    }

    const logs = `${server.stdout()}\n${server.stderr()}`;
    // The run did log (so the scan below can find something): one line per request at least.
    expect(logs.split('\n').filter((line) => line.includes('"route"')).length).toBeGreaterThan(10);
    const needles = [...Object.values(CANARY), ...secrets];
    const forms = (text: string) => [
      text,
      encodeURIComponent(text),
      Buffer.from(text).toString('base64'),
      Buffer.from(text).toString('base64url'),
      JSON.stringify(text).slice(1, -1),
    ];
    const hits = needles.flatMap((needle) => forms(needle).filter((form) => logs.includes(form)).map((form) => `${needle} as ${form}`));
    expect(hits).toEqual([]);
    // UTF-16LE: a log is text, but a stray buffer dump would show this way.
    expect(needles.filter((needle) => logs.includes(Buffer.from(needle, 'utf16le').toString('latin1')))).toEqual([]);
  }, 120_000);
});
