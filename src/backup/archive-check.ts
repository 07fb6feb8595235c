import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { HearthError } from '../errors/hearth-error.ts';
import { MANIFEST_NAME, openEncrypted, type AgeSecret } from './archive.ts';
import { compact, systemDeletionRepository } from '../deletion/deletion-repository.ts';
import { applyEscrow, decryptEscrow, type Escrow } from './escrow.ts';
import { describeVault, openCopy, systemHash, type BackupManifest } from './snapshot.ts';

const SAFE = /^(system\.db|keyring\.json|vaults\/[0-9a-f-]{36}\.db)$/;

/** Reads the key escrow of the archive's target: the file's bytes, undefined when there is none. */
export type EscrowSource = () => Promise<Buffer | undefined>;

async function loadEscrow(manifest: BackupManifest, source: EscrowSource | undefined, secret: AgeSecret): Promise<Escrow | undefined> {
  // Archives from before key escrow carry the wrapped keys in their system.db.
  if (!manifest.keysEscrowed) return undefined;
  const bytes = source ? await source() : undefined;
  if (!bytes) throw new HearthError('invalid', "the key escrow (keys/escrow.age of the backup's target) is missing: without it no vault in this backup can be opened");
  return decryptEscrow(bytes, secret);
}

/**
 * Decrypts an archive (all of it authenticated before anything is written), checks every file
 * against the manifest, writes the databases into `dir`, opens each with the master key, runs
 * `PRAGMA integrity_check` and compares counts and canonical hashes. Returns the manifest.
 * With key escrow (escrow.ts), the wrapped keys and names come back from the target's escrow; a
 * person the escrow no longer lists was deleted after the backup: their vault is not written, their
 * rows are removed, and they are returned as `shredded` (not a problem: that is the promise).
 */
export async function unpackAndCheck(ciphertext: Readable, secret: AgeSecret, masterKey: Buffer | (() => Promise<Buffer>), dir: string, expected?: BackupManifest, escrowSource?: EscrowSource): Promise<{ manifest: BackupManifest; problems: string[]; shredded: string[] }> {
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
  if (problems.length > 0) return { manifest, problems, shredded: [] };
  const escrow = await loadEscrow(manifest, escrowSource, secret);
  const gone = new Set(escrow ? manifest.people.filter((p) => !Object.hasOwn(escrow.people, p.id)).map((p) => p.file) : []);
  for (const [name, content] of files) {
    if (name === MANIFEST_NAME || gone.has(name)) continue;
    const path = join(dir, normalize(name));
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  }
  // A passphrase master key needs keyring.json (its salt), which has just come out of the archive.
  const copy = openCopy(dir, typeof masterKey === 'function' ? await masterKey() : masterKey);
  let shredded: string[] = [];
  try {
    const integrity = copy.system.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`system.db: integrity_check says ${String(integrity)}`);
    if (systemHash(copy.system) !== manifest.systemHash) problems.push('system.db: canonical hash differs from the manifest');
    if (escrow) {
      shredded = applyEscrow(copy.system, escrow).shredded;
      const rows = systemDeletionRepository(copy.system);
      for (const personId of shredded) rows.removePerson(personId);
      if (shredded.length > 0) compact(copy.system);
    }
    for (const person of manifest.people) {
      if (shredded.includes(person.id)) continue;
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
  return { manifest, problems, shredded };
}

/** Verification: unpack into a temp directory, check, and always remove the directory. */
export async function checkArchive(ciphertext: Readable, secret: AgeSecret, masterKey: Buffer, dir: string, expected?: BackupManifest, escrowSource?: EscrowSource): Promise<{ problems: string[]; shredded: string[] }> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const { problems, shredded } = await unpackAndCheck(ciphertext, secret, masterKey, dir, expected, escrowSource);
    return { problems, shredded };
  } catch (error) {
    return { problems: [(error as Error).message], shredded: [] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
