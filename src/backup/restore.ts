import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { HearthError } from '../errors/hearth-error.ts';
import { dataPaths } from '../instance/data-dir.ts';
import { loadMasterKey } from '../instance/master-key-source.ts';
import { archiveName, ageSecretOf } from './backup-service.ts';
import type { BackupConfig } from './backup-config.ts';
import { directoryTarget, ESCROW_PATH } from './backup-target.ts';
import { unpackAndCheck, type EscrowSource } from './archive-check.ts';
import { ESCROW_PENDING_KEY } from './escrow-writer.ts';
import { openCopy, type BackupManifest } from './snapshot.ts';

/**
 * The system.db inside a backup was copied while that very backup was being written: its log shows
 * it (and perhaps others of the old machine) as 'running', with a pid that means nothing here.
 * Such rows become 'failed' with a note, so the new instance neither waits for them nor counts them.
 */
function settleCopiedLog(dir: string, key: Buffer, restoredId: string): void {
  const copy = openCopy(dir, key);
  try {
    copy.system
      .prepare("UPDATE backups SET status = 'failed', pid = NULL, error = ? WHERE status = 'running'")
      .run(`in progress when this copy was taken; this instance was restored from backup ${restoredId}`);
    // Escrow retries owed by the old instance are about its targets, not this one's.
    copy.system.prepare('DELETE FROM settings WHERE key = ?').run(ESCROW_PENDING_KEY);
  } finally {
    copy.close();
  }
}

/**
 * The archive for an id (looked up in each target, primary first) or a path to an `.age` file, and
 * the key escrow of the same place: `keys/escrow.age` in that target, or beside the file's folder
 * (a copied target keeps its layout), unless `escrowFile` names it.
 */
function archiveSource(config: BackupConfig, source: string, escrowFile?: string): { stream: Readable; escrow: EscrowSource } {
  const fromFile = (path: string) => async () => (existsSync(path) ? readFileSync(path) : undefined);
  if (source.endsWith('.age') && existsSync(source)) {
    return { stream: createReadStream(source), escrow: fromFile(escrowFile ?? join(dirname(resolve(source)), ESCROW_PATH)) };
  }
  for (const dir of config.targets) {
    const target = directoryTarget(dir);
    if (existsSync(join(target.location, archiveName(source)))) {
      return { stream: target.get(archiveName(source)), escrow: escrowFile ? fromFile(escrowFile) : () => target.getEscrow() };
    }
  }
  throw new HearthError('not-found', `no backup ${source} in ${config.targets.join(', ') || 'any configured target'}`);
}

/**
 * `hearth restore <id> --data-dir <empty dir>`: a new instance from a backup. Needs the backup's
 * age identity (or passphrase) and the master key (`--key-file`, copied in as master.key, or
 * HEARTH_MASTER_KEY / HEARTH_MASTER_PASSPHRASE). Opening the restored databases runs the normal
 * migrations, so a backup from an older Hearth comes out at the current schema. People deleted
 * after the backup are not in the target's key escrow and do not come back (`shredded`).
 */
export async function restoreBackup(options: { config: BackupConfig; source: string; dataDir: string; keyFile?: string; escrowFile?: string; env?: NodeJS.ProcessEnv }): Promise<{ manifest: BackupManifest; dataDir: string; shredded: string[] }> {
  const env = options.env ?? process.env;
  if (existsSync(options.dataDir) && readdirSync(options.dataDir).length > 0) {
    throw new HearthError('conflict', `${options.dataDir} is not empty: restore only into an empty or new directory`);
  }
  const { stream, escrow } = archiveSource(options.config, options.source, options.escrowFile);
  const secret = ageSecretOf(options.config);
  const paths = dataPaths(options.dataDir);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  try {
    if (options.keyFile) {
      copyFileSync(options.keyFile, paths.defaultKeyFile);
      chmodSync(paths.defaultKeyFile, 0o600);
    }
    let key: Buffer | undefined;
    const masterKey = async () => (key ??= (await loadMasterKey(paths, env)).key);
    // Fail early on a missing key file or bad HEARTH_MASTER_KEY; a passphrase waits for keyring.json.
    if (!env.HEARTH_MASTER_PASSPHRASE || env.HEARTH_MASTER_KEY) await masterKey();
    const { manifest, problems, shredded } = await unpackAndCheck(stream, secret, masterKey, options.dataDir, undefined, escrow);
    if (problems.length > 0) throw new HearthError('invalid', `the backup does not check out: ${problems.join('; ')}`);
    settleCopiedLog(options.dataDir, await masterKey(), manifest.id);
    return { manifest, dataDir: options.dataDir, shredded };
  } catch (error) {
    // Nothing half-restored stays behind (the directory was empty or new).
    for (const name of readdirSync(options.dataDir)) rmSync(join(options.dataDir, name), { recursive: true, force: true });
    throw error;
  }
}

