import { hashRaw } from '@node-rs/argon2';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { HearthError } from '../errors/hearth-error.ts';
import { KEY_BYTES, randomKey } from './key-derivation.ts';

/**
 * Where the instance master key comes from, in order of precedence:
 *  1. `HEARTH_MASTER_KEY`: 64 hex characters (for secret managers / systemd credentials);
 *  2. `HEARTH_MASTER_PASSPHRASE`: stretched with argon2id and the salt kept in the data directory
 *     (for people who would rather remember than store a key);
 *  3. the key file (`HEARTH_KEY_FILE`, default `<data dir>/master.key`), created by `hearth init`
 *     with mode 0600: the default, because it lets Hearth restart unattended.
 */
export type MasterKeySource =
  | { kind: 'env-key'; hex: string }
  | { kind: 'passphrase'; passphrase: string }
  | { kind: 'key-file'; path: string };

/**
 * argon2id parameters for the passphrase: well above OWASP ASVS 5.0 Appendix C's floor
 * (m=19 MiB, t=2, p=1) because this runs once per start, not per request.
 */
export const PASSPHRASE_KDF = { algorithm: 2 /* argon2id */, memoryCost: 65_536, timeCost: 3, parallelism: 1 } as const;

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

export function parseHexKey(hex: string, where: string): Buffer {
  const trimmed = hex.trim();
  if (!HEX_KEY.test(trimmed)) {
    throw new HearthError('key', `${where} must hold exactly 64 hexadecimal characters (a 256-bit key)`);
  }
  return Buffer.from(trimmed, 'hex');
}

export interface PassphraseParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export async function deriveKeyFromPassphrase(passphrase: string, salt: Buffer, params: PassphraseParams = PASSPHRASE_KDF): Promise<Buffer> {
  if (passphrase.length < 12) throw new HearthError('key', 'HEARTH_MASTER_PASSPHRASE must be at least 12 characters');
  const { memoryCost, timeCost, parallelism } = params;
  const raw = await hashRaw(passphrase, { algorithm: PASSPHRASE_KDF.algorithm, memoryCost, timeCost, parallelism, salt, outputLen: KEY_BYTES });
  return Buffer.from(raw);
}

/** Creates a new key file holding a fresh random key, refusing to overwrite an existing one. */
export function createKeyFile(path: string): Buffer {
  const key = randomKey();
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new HearthError('conflict', `a key file already exists at ${path}; refusing to replace it`);
    }
    throw error;
  }
  try {
    writeSync(fd, `${key.toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}

export function readKeyFile(path: string): Buffer {
  if (!existsSync(path)) {
    throw new HearthError(
      'key',
      `no master key: the key file ${path} is missing (restore it from your key backup, or set HEARTH_MASTER_KEY); without it the data cannot be decrypted`,
    );
  }
  // Like ssh with private keys: a key file others can read is refused rather than used.
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new HearthError('key', `the key file ${path} is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
  }
  return parseHexKey(readFileSync(path, 'utf8'), `the key file ${path}`);
}
