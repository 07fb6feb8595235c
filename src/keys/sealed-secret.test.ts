import { describe, expect, it } from 'vitest';
import { randomKey } from './key-derivation.ts';
import { openSecret, sealSecret } from './sealed-secret.ts';

describe('sealed secrets', () => {
  it('opens only with the same key and context, and hides the secret', () => {
    const key = randomKey();
    const secret = Buffer.from('a twenty byte secret');
    const sealed = sealSecret(key, secret, 'account-1');
    expect(sealed.includes(secret)).toBe(false);
    expect(openSecret(key, sealed, 'account-1')).toEqual(secret);
    expect(() => openSecret(key, sealed, 'account-2')).toThrow(/does not open/);
    expect(() => openSecret(randomKey(), sealed, 'account-1')).toThrow(/does not open/);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => openSecret(key, tampered, 'account-1')).toThrow(/does not open/);
    expect(() => openSecret(key, sealed.subarray(0, 20), 'account-1')).toThrow(/malformed/);
  });
});
