import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveKey } from '../keys/key-derivation.ts';
import { openEncryptedDatabase } from '../storage/encrypted-database.ts';
import { hasPlaintextHeader } from '../storage/encryption-self-test.ts';
import { vaultPath } from './data-dir.ts';
import { initInstance, openInstance } from './instance.ts';

let root: string;
beforeEach(() => {
  root = join(mkdtempSync(join(tmpdir(), 'hearth-inst-')), 'data');
});
afterEach(() => rmSync(join(root, '..'), { recursive: true, force: true }));

const noEnv = {} as NodeJS.ProcessEnv;

describe('instance', () => {
  it('initialises once with a 0600 key file and reopens unattended', async () => {
    const first = await initInstance(root, noEnv);
    expect(first.created).toBe(true);
    expect(first.keyOrigin).toBe('key file');
    expect(statSync(join(root, 'master.key')).mode & 0o777).toBe(0o600);
    expect(hasPlaintextHeader(join(root, 'system.db'))).toBe(false);
    expect((await initInstance(root, noEnv)).created).toBe(false);
    const instance = await openInstance(root, noEnv);
    expect(instance.people.list()).toEqual([]);
    instance.close();
  });

  it('says to run init when there is no data', async () => {
    await expect(openInstance(root, noEnv)).rejects.toThrow(/run "hearth init" first/);
  });

  it('refuses a different master key', async () => {
    await initInstance(root, noEnv);
    await expect(openInstance(root, { HEARTH_MASTER_KEY: 'cd'.repeat(32) } as NodeJS.ProcessEnv)).rejects.toThrow(/the key does not open/);
  });

  it('takes the master key from HEARTH_MASTER_KEY without writing a key file', async () => {
    const env = { HEARTH_MASTER_KEY: 'ab'.repeat(32) } as NodeJS.ProcessEnv;
    const result = await initInstance(root, env);
    expect(result.keyOrigin).toBe('HEARTH_MASTER_KEY');
    expect(existsSync(join(root, 'master.key'))).toBe(false);
    (await openInstance(root, env)).close();
    await expect(openInstance(root, noEnv)).rejects.toThrow(/key file .* is missing/);
  });

  it('derives the master key from a passphrase', async () => {
    const env = { HEARTH_MASTER_PASSPHRASE: 'a long and memorable passphrase' } as NodeJS.ProcessEnv;
    await initInstance(root, env);
    (await openInstance(root, env)).close();
    await expect(openInstance(root, { HEARTH_MASTER_PASSPHRASE: 'a long and wrong passphrase!' } as NodeJS.ProcessEnv)).rejects.toThrow(/the key does not open/);
  });

  it('gives each person an encrypted vault under their own data key', async () => {
    await initInstance(root, noEnv);
    const instance = await openInstance(root, noEnv);
    const alice = instance.people.add('Alice');
    const bob = instance.people.add('  Bob  ');
    expect(instance.people.list().map((p) => p.name)).toEqual(['Alice', 'Bob']);
    const path = vaultPath(instance.paths, alice.id);
    expect(hasPlaintextHeader(path)).toBe(false);
    instance.people.openVault(alice.id).close();
    // Bob's key does not open Alice's vault: keys are per person.
    const bobWrapped = instance.system.prepare('SELECT wrapped FROM person_keys WHERE person_id = ?').pluck().get(bob.id) as Buffer;
    expect(bobWrapped.length).toBeGreaterThan(32);
    expect(() => instance.people.add('   ')).toThrow(/needs a name/);
    instance.close();
  });

  it('makes a vault unreadable once the data key is destroyed', async () => {
    await initInstance(root, noEnv);
    const instance = await openInstance(root, noEnv);
    const person = instance.people.add('Carol');
    const vault = instance.people.openVault(person.id);
    vault.db.exec("CREATE TABLE secret (x); INSERT INTO secret VALUES ('carol')");
    vault.close();
    instance.system.prepare("UPDATE person_keys SET wrapped = NULL, destroyed_at = 'now' WHERE person_id = ?").run(person.id);
    expect(() => instance.people.openVault(person.id)).toThrow(/were deleted/);
    // Without the data key, no other key derived from the instance opens the file.
    const path = vaultPath(instance.paths, person.id);
    const masterKey = Buffer.from(readFileSync(join(root, 'master.key'), 'utf8').trim(), 'hex');
    for (const purpose of ['system-db', 'vault-db', 'wrap-person-key'] as const) {
      expect(() => openEncryptedDatabase(path, deriveKey(masterKey, purpose))).toThrow(/the key does not open/);
    }
    instance.close();
  });

  it('reports an unknown person as not found', async () => {
    await initInstance(root, noEnv);
    const instance = await openInstance(root, noEnv);
    expect(() => instance.people.openVault('nobody')).toThrow(/no person with id nobody/);
    instance.close();
  });
});
