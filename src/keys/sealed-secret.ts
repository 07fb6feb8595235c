import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HearthError } from '../errors/hearth-error.ts';

/**
 * Seals a small secret of any length (a TOTP seed) with AES-256-GCM (NIST SP 800-38D), bound to
 * `context` as additional authenticated data so a sealed value cannot be moved to another row.
 * The same layout as wrapKey in key-derivation.ts: version byte 1 | 12-byte nonce | 16-byte tag |
 * ciphertext; wrapKey itself insists on 32-byte data keys, hence this sibling.
 */
export function sealSecret(key: Buffer, secret: Uint8Array, context: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(secret), cipher.final()]);
  return Buffer.concat([Buffer.from([1]), nonce, cipher.getAuthTag(), body]);
}

export function openSecret(key: Buffer, sealed: Buffer, context: string): Buffer {
  if (sealed.length < 1 + 12 + 16 + 1 || sealed[0] !== 1) throw new HearthError('key', 'a stored secret is malformed');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(13, 29));
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]);
  } catch {
    throw new HearthError('key', 'a stored secret does not open with this master key');
  }
}
