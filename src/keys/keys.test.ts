import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveKey, randomKey, unwrapKey, wrapKey } from './key-derivation.ts';
import { createKeyFile, deriveKeyFromPassphrase, parseHexKey, readKeyFile } from './master-key.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('key wrapping', () => {
  it('round-trips a data key and binds it to its context', () => {
    const kek = randomKey();
    const dataKey = randomKey();
    const wrapped = wrapKey(kek, dataKey, 'hearth/person/a');
    expect(unwrapKey(kek, wrapped, 'hearth/person/a').equals(dataKey)).toBe(true);
    expect(() => unwrapKey(kek, wrapped, 'hearth/person/b')).toThrow(/does not open/);
    expect(() => unwrapKey(randomKey(), wrapped, 'hearth/person/a')).toThrow(/does not open/);
    const tampered = Buffer.from(wrapped);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => unwrapKey(kek, tampered, 'hearth/person/a')).toThrow(/does not open/);
  });

  it('derives distinct keys per purpose', () => {
    const root = randomKey();
    expect(deriveKey(root, 'system-db').equals(deriveKey(root, 'vault-db'))).toBe(false);
    expect(deriveKey(root, 'system-db').equals(deriveKey(root, 'system-db'))).toBe(true);
    // RFC 5869 HKDF-SHA256, all-zero root, empty salt: vector computed independently with
    // `openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:00…00 -kdfopt info:hearth/system-db/v1 HKDF`.
    expect(deriveKey(Buffer.alloc(32), 'system-db').toString('hex')).toBe('6760140a7c50f2803b2a46bec704b856fbfad3de76b73a14980659e2f406e0e7');
  });
});

describe('master key sources', () => {
  it('creates a 0600 key file once and reads it back', () => {
    const path = join(dir, 'master.key');
    const key = createKeyFile(path);
    expect(readKeyFile(path).equals(key)).toBe(true);
    expect(() => createKeyFile(path)).toThrow(/already exists/);
  });

  it('refuses a key file others can read', () => {
    const path = join(dir, 'loose.key');
    writeFileSync(path, `${'ab'.repeat(32)}\n`);
    chmodSync(path, 0o644);
    expect(() => readKeyFile(path)).toThrow(/readable by others.*chmod 600/);
  });

  it('explains a missing key file', () => {
    expect(() => readKeyFile(join(dir, 'nope.key'))).toThrow(/key file .* is missing .*HEARTH_MASTER_KEY/);
  });

  it('accepts only 64 hex characters', () => {
    expect(parseHexKey('AB'.repeat(32), 'k').length).toBe(32);
    expect(() => parseHexKey('abc', 'HEARTH_MASTER_KEY')).toThrow(/HEARTH_MASTER_KEY must hold exactly 64/);
  });

  it('stretches a passphrase with argon2id deterministically per salt', async () => {
    const salt = Buffer.alloc(16, 7);
    const params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
    const a = await deriveKeyFromPassphrase('correct horse battery staple', salt, params);
    const b = await deriveKeyFromPassphrase('correct horse battery staple', salt, params);
    const c = await deriveKeyFromPassphrase('correct horse battery stapler', salt, params);
    expect(a.length).toBe(32);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    await expect(deriveKeyFromPassphrase('short', salt, params)).rejects.toThrow(/at least 12/);
  });
});
