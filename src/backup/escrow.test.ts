import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { sourcesRepository } from '../sources/sources-repository.ts';
import { applyEscrow, decryptEscrow, encryptEscrow, escrowOf, scrubCopy } from './escrow.ts';

describe('key escrow', () => {
  let instance: Awaited<ReturnType<typeof tempInstance>>;
  beforeEach(async () => {
    instance = await tempInstance();
  });
  afterEach(() => instance.dispose());

  it('scrubbing and applying the escrow gives back the same keys, names and sources; a person missing from it is shredded', async () => {
    const ann = instance.people.add('Ann Example');
    const bob = instance.people.add('Bob Example');
    const sources = sourcesRepository(instance.system);
    sources.findOrCreate(ann.id, 'file', 'labs');
    sources.findOrCreate(ann.id, 'file', 'scans');
    sources.findOrCreate(bob.id, 'provider', 'Clinic', 'https://fhir.example.org/r4');
    const state = () => ({
      people: instance.system.prepare('SELECT id, name FROM people ORDER BY id').all(),
      keys: instance.system.prepare('SELECT person_id, hex(wrapped) AS wrapped FROM person_keys ORDER BY person_id').all(),
      sources: instance.system.prepare('SELECT id, label, base_url FROM sources ORDER BY id').all(),
    });
    const original = state();
    const escrow = escrowOf(instance.system, new Date());
    // (The test scrubs a live database only because it is a throwaway; Hearth scrubs copies.)
    scrubCopy(instance.system);
    const scrubbed = state();
    expect(JSON.stringify(scrubbed)).not.toMatch(/Example|labs|scans|Clinic|fhir\.example/);
    expect(scrubbed.keys.every((k) => (k as { wrapped: string }).wrapped === '')).toBe(true);

    expect(applyEscrow(instance.system, escrow)).toEqual({ restored: [ann.id, bob.id].sort(), shredded: [] });
    expect(state()).toEqual(original);

    scrubCopy(instance.system);
    const withoutAnn = { ...escrow, people: Object.fromEntries(Object.entries(escrow.people).filter(([id]) => id !== ann.id)) };
    expect(applyEscrow(instance.system, withoutAnn)).toEqual({ restored: [bob.id], shredded: [ann.id] });
  });

  it('a scrubbed copy holds no provider token, OAuth state or paging checkpoint; the connection comes back asking to reconnect', () => {
    const bob = instance.people.add('Bob Example');
    const base = 'https://fhir.example.org/r4';
    const source = sourcesRepository(instance.system).findOrCreate(bob.id, 'provider', 'Clinic', base);
    const db = instance.system;
    db.prepare("INSERT INTO client_registrations (id, label, client_id, client_type, created_at) VALUES ('r1', 'Clinic app', 'hearth', 'public', 0)").run();
    db.prepare(
      `INSERT INTO provider_connections (source_id, registration_id, fhir_base_url, issuer, authorization_endpoint, token_endpoint,
         sealed_access_token, access_expires_at, sealed_refresh_token, patient_id, status, refresh_in_flight, updated_at)
       VALUES (?, 'r1', ?, 'https://auth.example.org', 'https://auth.example.org/a', 'https://auth.example.org/t', x'AA', 1, x'BB', 'patient-77', 'connected', 5, 0)`,
    ).run(source.id, base);
    db.prepare("INSERT INTO oauth_states (state_hash, source_id, sealed_code_verifier, nonce, redirect_uri, created_at, expires_at) VALUES ('h', ?, x'CC', 'n', 'https://hearth/cb', 0, 1)").run(source.id);
    db.prepare(`INSERT INTO sync_jobs (id, source_id, person_id, actor, trigger, state, created_at, checkpoint) VALUES ('j1', ?, ?, 'a', 'manual', 'running', 0, '{"next":"${base}/Observation?patient=patient-77"}')`).run(source.id, bob.id);
    const escrow = escrowOf(db, new Date());

    scrubCopy(db);
    const connection = () => db.prepare('SELECT fhir_base_url AS base, sealed_access_token AS access, sealed_refresh_token AS refresh, patient_id AS patient, refresh_in_flight AS inFlight, status FROM provider_connections').get();
    expect(connection()).toEqual({ base: '', access: null, refresh: null, patient: null, inFlight: null, status: 'reconnect_needed' });
    expect(db.prepare('SELECT count(*) FROM oauth_states').pluck().get()).toBe(0);
    expect(db.prepare('SELECT state, checkpoint FROM sync_jobs').get()).toEqual({ state: 'cancelled', checkpoint: null });

    applyEscrow(db, escrow);
    expect(connection()).toMatchObject({ base, access: null, status: 'reconnect_needed' });
  });

  it('an escrow under another key, or not an escrow, is refused with a clear error', async () => {
    instance.people.add('Ann');
    const identity = await generateX25519Identity();
    const other = await generateX25519Identity();
    const sealed = await encryptEscrow(escrowOf(instance.system, new Date()), { recipient: await identityToRecipient(identity) });
    expect(Object.keys((await decryptEscrow(sealed, { identity })).people)).toHaveLength(1);
    await expect(decryptEscrow(sealed, { identity: other })).rejects.toThrow(/does not decrypt/);
    const notEscrow = await encryptEscrow({ format: 'something-else' } as never, { recipient: await identityToRecipient(identity) });
    await expect(decryptEscrow(notEscrow, { identity })).rejects.toThrow(/unknown format/);
  });
});
