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
