import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_ACTIONS, ROLE_ACTIONS, type AccessAction } from '../src/access/access.ts';
import type { GrantRole } from '../src/accounts/accounts-repository.ts';
import type { SqliteDatabase } from '../src/storage/encrypted-database.ts';
import type { Vault } from '../src/vault/vault.ts';
import { accountsFor, demoPerson, startFhirServer, type CallResult, type FhirTestServer, type TestInstance } from './helpers/fhir-server.ts';
import { tempInstance } from './helpers/temp-instance.ts';

/**
 * SECURITY.md "Access between people": a generated matrix of actors × people × resource types ×
 * operations over the real HTTP API. The expected outcome of each cell comes from ROLE_ACTIONS (the
 * policy as data), never from the code under test. Zero leaks: a refusal is the one 404 (401 without
 * a live session) and names nothing; an allowed answer carries only that person's records.
 */
const PASSWORD = 'correct horse battery staple';
const TYPES = ['Patient', 'Observation', 'Condition', 'Encounter'] as const;
const PEOPLE = ['A', 'B'] as const;
type PersonKey = (typeof PEOPLE)[number];

/** Each actor's role per person; `owner` may do everything, `signedOut` / `disabled` nothing at all. */
const ACTORS: Record<string, { owner?: true; grants?: Partial<Record<PersonKey, GrantRole>>; disabled?: true; signedOut?: true }> = {
  owner: { owner: true },
  manager: { grants: { A: 'manager', B: 'viewer' } },
  viewer: { grants: { A: 'viewer' } },
  stranger: { grants: {} },
  disabled: { grants: { A: 'manager', B: 'manager' }, disabled: true },
  signedOut: { signedOut: true },
};

function expectedActions(actor: string, person: PersonKey): readonly AccessAction[] {
  const spec = ACTORS[actor]!;
  if (spec.signedOut || spec.disabled) return [];
  if (spec.owner) return ACCESS_ACTIONS;
  const role = spec.grants?.[person];
  return role ? ROLE_ACTIONS[role] : [];
}

interface PersonData {
  id: string;
  vault: Vault;
  /** `Type/id` of every record in the vault. */
  refs: Set<string>;
  /** One record id per type in TYPES. */
  sample: Record<string, string>;
  patientId: string;
  name: string;
}

let instance: TestInstance;
let server: FhirTestServer;
const people = {} as Record<PersonKey, PersonData>;
const cookies: Record<string, string | undefined> = {};
let ownerCookie: string;
let notFoundBody: string;

const count = (db: SqliteDatabase, sql: string) => db.prepare(sql).pluck().get() as number;
const systemDenials = () => count(instance.system, "SELECT count(*) FROM audit_log WHERE outcome = 'denied'");
const vaultEntries = (person: PersonKey) => count(people[person].vault.db, 'SELECT count(*) FROM audit_log');

beforeAll(async () => {
  instance = await tempInstance();
  for (const [key, plan] of [['A', 0], ['B', 1]] as const) {
    const id = await demoPerson(instance, plan);
    const vault = instance.people.openVault(id);
    const rows = vault.db.prepare('SELECT type, id FROM resources').all() as { type: string; id: string }[];
    const sample: Record<string, string> = {};
    for (const type of TYPES) sample[type] = rows.find((row) => row.type === type)!.id;
    const patient = JSON.parse(vault.db.prepare("SELECT json FROM resources WHERE type = 'Patient'").pluck().get() as string);
    people[key] = {
      id, vault, sample, patientId: sample.Patient!, refs: new Set(rows.map((row) => `${row.type}/${row.id}`)),
      name: `${patient.name[0].given[0]} ${patient.name[0].family}`,
    };
  }
  const accounts = accountsFor(instance);
  await accounts.createOwner('owner', PASSWORD);
  for (const [name, spec] of Object.entries(ACTORS)) {
    if (spec.owner || spec.signedOut) continue;
    const grants = Object.entries(spec.grants ?? {}).map(([person, role]) => ({ personId: people[person as PersonKey].id, role: role! }));
    await accounts.addAccount(name, PASSWORD, grants);
  }
  server = await startFhirServer(instance);
  for (const name of Object.keys(ACTORS)) cookies[name] = ACTORS[name]!.signedOut ? undefined : await server.login(name, PASSWORD);
  ownerCookie = cookies.owner!;
  // Disabled after signing in: its live session must not keep working.
  accounts.disable('disabled');
  notFoundBody = (await server.call('GET', '/fhir/no-such-person/Patient/x', { cookie: ownerCookie })).text;
}, 120_000);

afterAll(async () => {
  await server.close();
  for (const person of PEOPLE) people[person]?.vault.close();
  instance.dispose();
});

interface Operation {
  name: string;
  action: AccessAction;
  /** The request; may prepare state as the owner first (a hand-entered record to change). */
  run(actor: string, person: PersonData): Promise<CallResult>;
  ok: number;
}

const call = (actor: string, method: string, path: string, options: { body?: unknown; raw?: { type: string; text: string } } = {}) =>
  server.call(method, path, { ...options, ...(cookies[actor] ? { cookie: cookies[actor] } : {}) });

const weight = (patientId: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'Body weight' }, subject: { reference: `Patient/${patientId}` } });

/** A hand-entered record made by the owner, for update and delete to act on. */
async function manualRecord(person: PersonData): Promise<string> {
  const created = await server.call('POST', `/fhir/${person.id}/Observation`, { cookie: ownerCookie, body: weight(person.patientId) });
  expect(created.status).toBe(201);
  return created.json.id;
}

function typeOperations(type: string): Operation[] {
  const at = (person: PersonData) => `/fhir/${person.id}/${type}`;
  const record = (person: PersonData) => `${at(person)}/${person.sample[type]}`;
  return [
    { name: `read ${type}`, action: 'read', ok: 200, run: (actor, person) => call(actor, 'GET', record(person)) },
    { name: `vread ${type}`, action: 'read', ok: 200, run: (actor, person) => call(actor, 'GET', `${record(person)}/_history/1`) },
    { name: `history ${type}`, action: 'read', ok: 200, run: (actor, person) => call(actor, 'GET', `${record(person)}/_history`) },
    { name: `provenance ${type}`, action: 'read', ok: 200, run: (actor, person) => call(actor, 'GET', `/api/people/${person.id}/provenance/${type}/${person.sample[type]}`) },
    { name: `search ${type}`, action: 'search', ok: 200, run: (actor, person) => call(actor, 'GET', `${at(person)}?_count=50`) },
    {
      name: `POST _search ${type}`, action: 'search', ok: 200,
      run: (actor, person) => call(actor, 'POST', `${at(person)}/_search`, { raw: { type: 'application/x-www-form-urlencoded', text: '_count=50' } }),
    },
    { name: `_include ${type}`, action: 'search', ok: 200, run: (actor, person) => call(actor, 'GET', `${at(person)}?_include=*&_count=50`) },
    { name: `_revinclude ${type}`, action: 'search', ok: 200, run: (actor, person) => call(actor, 'GET', `/fhir/${person.id}/Patient?_revinclude=${type}:*`) },
  ];
}

const personOperations: Operation[] = [
  { name: 'metadata', action: 'read', ok: 200, run: (actor, person) => call(actor, 'GET', `/fhir/${person.id}/metadata`) },
  { name: 'summary', action: 'read', ok: 200, run: (actor, person) => call(actor, 'GET', `/api/people/${person.id}/summary`) },
  { name: '$everything', action: 'search', ok: 200, run: (actor, person) => call(actor, 'GET', `/fhir/${person.id}/Patient/${person.patientId}/$everything?_count=1000`) },
  { name: 'create', action: 'write', ok: 201, run: (actor, person) => call(actor, 'POST', `/fhir/${person.id}/Observation`, { body: weight(person.patientId) }) },
  {
    name: 'update', action: 'write', ok: 200,
    run: async (actor, person) => {
      const id = await manualRecord(person);
      return call(actor, 'PUT', `/fhir/${person.id}/Observation/${id}`, { body: { ...weight(person.patientId), id, status: 'amended' } });
    },
  },
  {
    name: 'delete', action: 'write', ok: 204,
    run: async (actor, person) => call(actor, 'DELETE', `/fhir/${person.id}/Observation/${await manualRecord(person)}`),
  },
];

const OPERATIONS = [...TYPES.flatMap(typeOperations), ...personOperations];

/** Every resource in an answer (a resource, a Bundle's entries), as `Type/id`. */
function resourcesIn(json: any): string[] {
  if (!json || typeof json !== 'object') return [];
  if (json.resourceType === 'Bundle') return (json.entry ?? []).flatMap((entry: any) => (entry.resource ? resourcesIn(entry.resource) : []));
  if (json.resourceType === 'OperationOutcome' || json.resourceType === 'CapabilityStatement' || !json.id) return [];
  return [`${json.resourceType}/${json.id}`];
}

describe('access matrix', () => {
  for (const actor of Object.keys(ACTORS)) {
    for (const key of PEOPLE) {
      const other: PersonKey = key === 'A' ? 'B' : 'A';
      const allowed = expectedActions(actor, key);
      it(`${actor} × person ${key}: ${allowed.length > 0 ? allowed.join(',') : 'nothing'}`, async () => {
        const person = people[key];
        const foreign = [...people[other].refs].filter((ref) => !person.refs.has(ref)).map((ref) => ref.split('/')[1]!);
        expect(foreign.length).toBeGreaterThan(50);
        for (const operation of OPERATIONS) {
          const label = `${actor} ${operation.name} on ${key}`;
          const denialsBefore = systemDenials();
          const entriesBefore = vaultEntries(key);
          const answer = await operation.run(actor, person);
          // Whatever the answer, nothing of the other person is in it.
          for (const id of foreign) expect(answer.text.includes(id), `${label} leaks ${id}`).toBe(false);
          expect(answer.text.includes(people[other].name), `${label} leaks the other person's name`).toBe(false);
          if (allowed.includes(operation.action)) {
            expect(answer.status, label).toBe(operation.ok);
            // Records created during the test are in neither set; none of the other person's may appear.
            for (const ref of resourcesIn(answer.json)) expect(person.refs.has(ref) || !people[other].refs.has(ref), `${label}: ${ref} is not ${key}'s`).toBe(true);
            expect(vaultEntries(key), `${label} is audited in ${key}'s vault`).toBeGreaterThan(entriesBefore);
          } else if (ACTORS[actor]!.signedOut || ACTORS[actor]!.disabled) {
            expect(answer.status, label).toBe(401);
          } else {
            expect(answer.status, label).toBe(404);
            // The one refusal, identical to an unknown person's (JSON API routes: their own shape).
            if (answer.text.startsWith('{"resourceType"')) expect(answer.text, label).toBe(notFoundBody);
            else expect(answer.json, label).toEqual({ error: { code: 'not-found', message: 'no such person' } });
            expect(systemDenials(), `${label}: denial audited`).toBe(denialsBefore + 1);
            // Nothing written into the vault of someone the actor may not see (an owner-made record aside).
            const ownerWrites = operation.name === 'update' || operation.name === 'delete' ? 1 : 0;
            expect(vaultEntries(key), `${label}: nothing in ${key}'s vault`).toBe(entriesBefore + ownerWrites);
          }
        }
      });
    }
  }

  it('leaves refused writes without effect: the records a refused actor tried to change are unchanged', async () => {
    const person = people.A;
    const id = await manualRecord(person);
    for (const actor of ['viewer', 'stranger', 'disabled', 'signedOut']) {
      await call(actor, 'PUT', `/fhir/${person.id}/Observation/${id}`, { body: { ...weight(person.patientId), id, status: 'amended' } });
      await call(actor, 'DELETE', `/fhir/${person.id}/Observation/${id}`);
    }
    const after = await server.call('GET', `/fhir/${person.id}/Observation/${id}`, { cookie: ownerCookie });
    expect(after.json).toMatchObject({ status: 'final', meta: { versionId: '1' } });
  });
});
