import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { HearthError } from '../errors/hearth-error.ts';
import { createKeyFile, deriveKeyFromPassphrase, parseHexKey, PASSPHRASE_KDF, readKeyFile } from '../keys/master-key.ts';
import type { DataPaths } from './data-dir.ts';

export type KeyOrigin = 'HEARTH_MASTER_KEY' | 'HEARTH_MASTER_PASSPHRASE' | 'key file';

export interface ResolvedMasterKey {
  key: Buffer;
  origin: KeyOrigin;
  keyFile?: string;
}

interface Keyring {
  kdf: 'argon2id';
  salt: string;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

function keyFilePath(paths: DataPaths, env: NodeJS.ProcessEnv): string {
  return env.HEARTH_KEY_FILE ?? paths.defaultKeyFile;
}

/** The master key for an existing instance (see master-key.ts for the order of sources). */
export async function loadMasterKey(paths: DataPaths, env: NodeJS.ProcessEnv): Promise<ResolvedMasterKey> {
  if (env.HEARTH_MASTER_KEY) return { key: parseHexKey(env.HEARTH_MASTER_KEY, 'HEARTH_MASTER_KEY'), origin: 'HEARTH_MASTER_KEY' };
  if (env.HEARTH_MASTER_PASSPHRASE) {
    if (!existsSync(paths.keyringFile)) {
      throw new HearthError('key', `HEARTH_MASTER_PASSPHRASE is set but ${paths.keyringFile} (its salt) is missing`);
    }
    const keyring = JSON.parse(readFileSync(paths.keyringFile, 'utf8')) as Keyring;
    // The parameters stored at init are used, so raising the defaults later never locks anyone out.
    const key = await deriveKeyFromPassphrase(env.HEARTH_MASTER_PASSPHRASE, Buffer.from(keyring.salt, 'base64'), keyring);
    return { key, origin: 'HEARTH_MASTER_PASSPHRASE' };
  }
  const path = keyFilePath(paths, env);
  return { key: readKeyFile(path), origin: 'key file', keyFile: path };
}

/** The master key for a new instance: taken from the environment, or a new key file. */
export async function createMasterKey(paths: DataPaths, env: NodeJS.ProcessEnv): Promise<ResolvedMasterKey> {
  if (env.HEARTH_MASTER_KEY) return loadMasterKey(paths, env);
  if (env.HEARTH_MASTER_PASSPHRASE) {
    const keyring: Keyring = {
      kdf: 'argon2id',
      salt: randomBytes(16).toString('base64'),
      memoryCost: PASSPHRASE_KDF.memoryCost,
      timeCost: PASSPHRASE_KDF.timeCost,
      parallelism: PASSPHRASE_KDF.parallelism,
    };
    writeFileSync(paths.keyringFile, `${JSON.stringify(keyring, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return loadMasterKey(paths, env);
  }
  const path = keyFilePath(paths, env);
  return { key: createKeyFile(path), origin: 'key file', keyFile: path };
}
