import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { HearthError } from '../errors/hearth-error.ts';
import { MANIFEST_NAME, openEncrypted, type AgeSecret } from './archive.ts';
import { describeVault, openCopy, systemHash, type BackupManifest } from './snapshot.ts';

const SAFE = /^(system\.db|keyring\.json|vaults\/[0-9a-f-]{36}\.db)$/;

/**
 * Decrypts an archive (all of it authenticated before anything is written), checks every file
 * against the manifest, writes the databases into `dir`, opens each with the master key, runs
 * `PRAGMA integrity_check` and compares counts and canonical hashes. Returns the manifest.
 */
export async function unpackAndCheck(ciphertext: Readable, secret: AgeSecret, masterKey: Buffer | (() => Promise<Buffer>), dir: string, expected?: BackupManifest): Promise<{ manifest: BackupManifest; problems: string[] }> {
  const files = await openEncrypted(ciphertext, secret);
  const raw = files.get(MANIFEST_NAME);
  if (!raw) throw new HearthError('invalid', 'the archive has no manifest.json');
  const manifest = JSON.parse(raw.toString('utf8')) as BackupManifest;
  if (manifest.format !== 'hearth-backup/1') throw new HearthError('invalid', `unknown backup format ${String(manifest.format)}`);
  const problems: string[] = [];
  if (expected && JSON.stringify(expected) !== JSON.stringify(manifest)) problems.push('the manifest inside the archive differs from the backup log');
  for (const name of files.keys()) {
    if (name !== MANIFEST_NAME && !SAFE.test(name)) throw new HearthError('invalid', `unexpected file in the archive: ${name}`);
  }
  for (const entry of manifest.databases) {
    const content = files.get(entry.file);
    if (!SAFE.test(entry.file) || !content) {
      problems.push(`${entry.file}: missing from the archive`);
      continue;
    }
    if (createHash('sha256').update(content).digest('hex') !== entry.sha256) problems.push(`${entry.file}: SHA-256 differs from the manifest`);
  }
  if (problems.length > 0) return { manifest, problems };
  for (const [name, content] of files) {
    if (name === MANIFEST_NAME) continue;
    const path = join(dir, normalize(name));
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  }
  // A passphrase master key needs keyring.json (its salt), which has just come out of the archive.
  const copy = openCopy(dir, typeof masterKey === 'function' ? await masterKey() : masterKey);
  try {
    const integrity = copy.system.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`system.db: integrity_check says ${String(integrity)}`);
    if (systemHash(copy.system) !== manifest.systemHash) problems.push('system.db: canonical hash differs from the manifest');
    for (const person of manifest.people) {
      const vault = copy.people.openVault(person.id);
      try {
        const check = vault.db.pragma('integrity_check', { simple: true });
        if (check !== 'ok') problems.push(`${person.file}: integrity_check says ${String(check)}`);
        const seen = describeVault(vault.db);
        if (seen.total !== person.total || JSON.stringify(seen.counts) !== JSON.stringify(person.counts)) problems.push(`${person.file}: record counts differ from the manifest`);
        if (seen.canonicalHash !== person.canonicalHash) problems.push(`${person.file}: canonical hash differs from the manifest`);
      } finally {
        vault.close();
      }
    }
  } finally {
    copy.close();
  }
  return { manifest, problems };
}

/** Verification: unpack into a temp directory, check, and always remove the directory. */
export async function checkArchive(ciphertext: Readable, secret: AgeSecret, masterKey: Buffer, dir: string, expected?: BackupManifest): Promise<string[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    return (await unpackAndCheck(ciphertext, secret, masterKey, dir, expected)).problems;
  } catch (error) {
    return [(error as Error).message];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
