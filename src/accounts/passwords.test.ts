import { hash, type Algorithm } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { HearthError } from '../errors/hearth-error.ts';
import { ARGON2_PARAMS, checkPasswordPolicy, DUMMY_HASH, hashPassword, isCommonPassword, needsRehash, verifyPassword } from './passwords.ts';

const PHC_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$';

function refusal(password: string): string | undefined {
  try {
    checkPasswordPolicy(password);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(HearthError);
    expect((error as HearthError).code).toBe('invalid');
    expect((error as HearthError).message).not.toContain(password);
    return (error as HearthError).message;
  }
}

describe('password hashing', () => {
  it('stores argon2id with m=19456 KiB, t=2, p=1 and a fresh salt each time', async () => {
    expect(ARGON2_PARAMS).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first.startsWith(PHC_PREFIX)).toBe(true);
    expect(first).not.toBe(second);
    expect(first).not.toContain('correct horse');
  });

  it('verifies the right password only', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(await verifyPassword(stored, 'correct horse battery')).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword(stored, 'correct horse batterY')).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword('not a hash', 'anything')).toEqual({ ok: false, needsRehash: false });
  });

  it('flags a hash made under weaker parameters for rehashing', async () => {
    const weak = await hash('correct horse battery', { memoryCost: 8192, timeCost: 1, parallelism: 1, algorithm: 2 as Algorithm });
    expect(await verifyPassword(weak, 'correct horse battery')).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword(weak, 'wrong')).toEqual({ ok: false, needsRehash: false });
    const argon2i = await hash('correct horse battery', { ...ARGON2_PARAMS, algorithm: 1 as Algorithm });
    expect(needsRehash(argon2i)).toBe(true);
    expect(needsRehash(await hashPassword('x'))).toBe(false);
  });

  it('keeps the dummy hash (unknown users) at the current parameters, so it costs the same', () => {
    expect(DUMMY_HASH.startsWith(PHC_PREFIX)).toBe(true);
    expect(needsRehash(DUMMY_HASH)).toBe(false);
  });
});

describe('password policy (ASVS 5.0 V6.2)', () => {
  it('wants 8 to 128 characters, with no composition rules', () => {
    expect(refusal('Xk4#pLm')).toMatch(/at least 8 characters/);
    expect(refusal('vkqzhwtb')).toBeUndefined();
    expect(refusal('a'.repeat(63) + 'b'.repeat(65))).toBeUndefined();
    expect(refusal('a'.repeat(64) + 'b'.repeat(65))).toMatch(/at most 128 characters/);
    // Characters, not UTF-16 units.
    expect(refusal('🔥'.repeat(8))).toBeUndefined();
  });

  it('refuses common passwords, whatever their case', () => {
    for (const common of ['password1', 'qwerty123', 'Password1', 'QWERTY123', 'iloveyou', '12345678']) {
      expect(isCommonPassword(common)).toBe(true);
      expect(refusal(common)).toMatch(/commonly used passwords/);
    }
    expect(isCommonPassword('vkqzhwtb-ember-lantern')).toBe(false);
  });
});
