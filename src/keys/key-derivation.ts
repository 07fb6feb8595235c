import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { HearthError } from '../errors/hearth-error.ts';

/** 256-bit keys throughout (SECURITY.md "At rest": raw 256-bit SQLite keys). */
export const KEY_BYTES = 32;

/**
 * Sub-keys come from one root with HKDF-SHA256 (RFC 5869), one `info` label per purpose, so a key
 * for one purpose never doubles as a key for another.
 */
export type KeyPurpose = 'system-db' | 'wrap-person-key' | 'vault-db' | 'totp-seed' | 'provider-secrets';

export function deriveKey(root: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), `hearth/${purpose}/v1`, KEY_BYTES));
}

export function randomKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * Wraps a data key under a key-encryption key with AES-256-GCM (NIST SP 800-38D), binding it to
 * `context` as additional authenticated data so a wrapped key cannot be swapped between people.
 * Layout: version byte 1 | 12-byte nonce | 16-byte tag | ciphertext.
 */
export function wrapKey(kek: Buffer, dataKey: Buffer, context: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([Buffer.from([1]), nonce, cipher.getAuthTag(), body]);
}

export function unwrapKey(kek: Buffer, wrapped: Buffer, context: string): Buffer {
  if (wrapped.length !== 1 + 12 + 16 + KEY_BYTES || wrapped[0] !== 1) {
    throw new HearthError('key', 'a stored data key is malformed');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(1, 13));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(wrapped.subarray(13, 29));
    return Buffer.concat([decipher.update(wrapped.subarray(29)), decipher.final()]);
  } catch {
    throw new HearthError('key', 'a stored data key does not open with this master key');
  }
}
