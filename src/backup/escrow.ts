import { Decrypter, Encrypter } from 'age-encryption';
import { HearthError } from '../errors/hearth-error.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import type { AgeKey, AgeSecret } from './archive.ts';

/**
 * Key escrow: crypto-shredding that reaches backups (issue 6 §2). An archive's system.db copy holds
 * no wrapped data key and no field naming a person (scrubCopy); those live in one small file per
 * backup target, `keys/escrow.age`, age-encrypted like the archives, holding only the people alive
 * when it was last written. It is rewritten at every backup and at once when a person is deleted,
 * so after a deletion no file anywhere holds that person's wrapped key: their vault in every older
 * archive is ciphertext nobody can open, and their name is in no archive at all.
 */
export const ESCROW_FORMAT = 'hearth-key-escrow/1';

export interface EscrowSource {
  label: string;
  baseUrl: string | null;
}

export interface EscrowPerson {
  /** The data key wrapped under the master key (keys/key-derivation.ts), base64; useless without it. */
  wrappedKey: string;
  name: string;
  /** Source id → the fields a snapshot blanks. */
  sources: Record<string, EscrowSource>;
}

export interface Escrow {
  format: typeof ESCROW_FORMAT;
  writtenAt: string;
  people: Record<string, EscrowPerson>;
}

/** What the live system database says about every person who still has a data key. */
export function escrowOf(system: SqliteDatabase, now: Date): Escrow {
  const people: Record<string, EscrowPerson> = {};
  const rows = system
    .prepare('SELECT p.id, p.name, k.wrapped FROM people p JOIN person_keys k ON k.person_id = p.id WHERE k.wrapped IS NOT NULL ORDER BY p.id')
    .all() as { id: string; name: string; wrapped: Buffer }[];
  const sourcesOf = system.prepare('SELECT id, label, base_url AS baseUrl FROM sources WHERE person_id = ? ORDER BY id');
  for (const row of rows) {
    const sources: Record<string, EscrowSource> = {};
    for (const source of sourcesOf.all(row.id) as ({ id: string } & EscrowSource)[]) sources[source.id] = { label: source.label, baseUrl: source.baseUrl };
    people[row.id] = { wrappedKey: row.wrapped.toString('base64'), name: row.name, sources };
  }
  return { format: ESCROW_FORMAT, writtenAt: now.toISOString(), people };
}

export async function encryptEscrow(escrow: Escrow, key: AgeKey): Promise<Buffer> {
  const encrypter = new Encrypter();
  if ('recipient' in key) encrypter.addRecipient(key.recipient);
  else {
    encrypter.setPassphrase(key.passphrase);
    if (key.scryptLogN !== undefined) encrypter.setScryptWorkFactor(key.scryptLogN);
  }
  return Buffer.from(await encrypter.encrypt(`${JSON.stringify(escrow)}\n`));
}

export async function decryptEscrow(bytes: Buffer, secret: AgeSecret): Promise<Escrow> {
  const decrypter = new Decrypter();
  if ('identity' in secret) decrypter.addIdentity(secret.identity);
  else decrypter.addPassphrase(secret.passphrase);
  let parsed: Escrow;
  try {
    parsed = JSON.parse(await decrypter.decrypt(new Uint8Array(bytes), 'text')) as Escrow;
  } catch (error) {
    throw new HearthError('invalid', `the key escrow (keys/escrow.age) does not decrypt: ${(error as Error).message} (damaged, or the wrong key)`);
  }
  if (parsed.format !== ESCROW_FORMAT || typeof parsed.people !== 'object' || parsed.people === null) {
    throw new HearthError('invalid', `the key escrow has an unknown format ${String(parsed.format)}`);
  }
  return parsed;
}

/**
 * In a snapshot's COPY of system.db (never the live one): every wrapped key NULL, every name,
 * source label and base URL blanked (labels become the source id: they are unique per person and
 * kind), then VACUUM so the old pages are not in the file. secure_delete is on
 * (storage/encrypted-database.ts), the rebuild makes sure. Account names, grants and the audit
 * trail stay: they name accounts, not health data, and the trail is PHI-free by rule.
 */
export function scrubCopy(system: SqliteDatabase): void {
  system.transaction(() => {
    system.prepare('UPDATE person_keys SET wrapped = NULL').run();
    system.prepare("UPDATE people SET name = ''").run();
    system.prepare('UPDATE sources SET label = id, base_url = NULL').run();
    if (hasTable(system, 'provider_connections')) {
      // Provider tokens never leave the live database: they are credentials, and a restored refresh
      // token has most likely been rotated since, so replaying it would make the provider revoke the
      // grant (RFC 9700 §4.14.2). A restored connection asks the person to reconnect instead. The
      // provider's patient id and the FHIR base name the person: blanked like the source's fields
      // (the base comes back from the escrow's source entry, which is the same URL).
      system
        .prepare(
          `UPDATE provider_connections SET sealed_access_token = NULL, access_expires_at = NULL, sealed_refresh_token = NULL,
             patient_id = NULL, refresh_in_flight = NULL, fhir_base_url = '',
             status = CASE status WHEN 'pending' THEN 'pending' ELSE 'reconnect_needed' END`,
        )
        .run();
      system.prepare('DELETE FROM oauth_states').run();
    }
    if (hasTable(system, 'sync_jobs')) {
      // Checkpoints hold the provider's paging URLs (patient ids among them); a job cut off by the
      // snapshot cannot go on without tokens anyway.
      system.prepare("UPDATE sync_jobs SET checkpoint = NULL, state = CASE WHEN state IN ('queued', 'running') THEN 'cancelled' ELSE state END").run();
    }
  })();
  system.exec('VACUUM');
  system.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * In a restored system.db: people in the escrow get their key and fields back; the others in the
 * copy (deleted since the backup: shredded) are returned so the caller drops them. Restores
 * nothing for people the escrow names but the copy does not (added after the backup).
 */
export function applyEscrow(system: SqliteDatabase, escrow: Escrow): { restored: string[]; shredded: string[] } {
  const inCopy = system.prepare('SELECT id FROM people ORDER BY id').pluck().all() as string[];
  const restored: string[] = [];
  const shredded: string[] = [];
  const setKey = system.prepare('UPDATE person_keys SET wrapped = ? WHERE person_id = ?');
  const setName = system.prepare('UPDATE people SET name = ? WHERE id = ?');
  const setSource = system.prepare('UPDATE sources SET label = ?, base_url = ? WHERE id = ? AND person_id = ?');
  const setConnectionBase = hasTable(system, 'provider_connections') ? system.prepare("UPDATE provider_connections SET fhir_base_url = ? WHERE source_id = ? AND fhir_base_url = ''") : undefined;
  system.transaction(() => {
    for (const personId of inCopy) {
      const entry = Object.hasOwn(escrow.people, personId) ? escrow.people[personId] : undefined;
      if (!entry) {
        shredded.push(personId);
        continue;
      }
      setKey.run(Buffer.from(entry.wrappedKey, 'base64'), personId);
      setName.run(entry.name, personId);
      for (const [sourceId, source] of Object.entries(entry.sources)) {
        setSource.run(source.label, source.baseUrl, sourceId, personId);
        if (source.baseUrl) setConnectionBase?.run(source.baseUrl, sourceId);
      }
      restored.push(personId);
    }
  })();
  return { restored, shredded };
}

function hasTable(system: SqliteDatabase, name: string): boolean {
  return system.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}
