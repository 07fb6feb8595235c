import { join, resolve } from 'node:path';

/** Where everything lives. One place so the docs ("Where data lives") stay true. */
export interface DataPaths {
  root: string;
  systemDb: string;
  vaultsDir: string;
  tmpDir: string;
  defaultKeyFile: string;
  /** Public KDF parameters and salt when the master key comes from a passphrase. */
  keyringFile: string;
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.HEARTH_DATA_DIR ?? './data');
}

export function dataPaths(root: string): DataPaths {
  return {
    root,
    systemDb: join(root, 'system.db'),
    vaultsDir: join(root, 'vaults'),
    tmpDir: join(root, 'tmp'),
    defaultKeyFile: join(root, 'master.key'),
    keyringFile: join(root, 'keyring.json'),
  };
}

export function vaultPath(paths: DataPaths, personId: string): string {
  return join(paths.vaultsDir, `${personId}.db`);
}
