import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { INDEX_TABLES } from '../vault/index-tables.ts';

/**
 * SQL of deletion in the system database. Foreign keys are ON (storage/encrypted-database.ts), so
 * every statement removes the referencing rows before the row they point at.
 */
export function systemDeletionRepository(db: SqliteDatabase) {
  const pendingInvitesNaming = db.prepare(`SELECT DISTINCT i.id FROM invites i JOIN invite_grants g ON g.invite_id = i.id
    WHERE g.person_id = ? AND i.used_at IS NULL AND i.revoked_at IS NULL`).pluck();
  const deleteInviteGrantsOf = db.prepare('DELETE FROM invite_grants WHERE invite_id = ?');
  const deleteInvite = db.prepare('DELETE FROM invites WHERE id = ?');
  const deleteInviteGrantsNaming = db.prepare('DELETE FROM invite_grants WHERE person_id = ?');
  const deleteGrantsOfPerson = db.prepare('DELETE FROM grants WHERE person_id = ?');
  const deleteSourcesOfPerson = db.prepare('DELETE FROM sources WHERE person_id = ?');
  const deleteLinksTo = db.prepare("DELETE FROM settings WHERE key LIKE 'person-link:%' AND value = ?");
  const deleteKey = db.prepare('DELETE FROM person_keys WHERE person_id = ?');
  const deletePerson = db.prepare('DELETE FROM people WHERE id = ?');
  const deleteSource = db.prepare('DELETE FROM sources WHERE id = ?');
  // A provider source's connection (sealed tokens) and pending OAuth states go with it (migration 7).
  const deleteStatesOfSource = db.prepare('DELETE FROM oauth_states WHERE source_id = ?');
  const deleteConnectionOfSource = db.prepare('DELETE FROM provider_connections WHERE source_id = ?');
  const deleteStatesOfPerson = db.prepare('DELETE FROM oauth_states WHERE source_id IN (SELECT id FROM sources WHERE person_id = ?)');
  const deleteConnectionsOfPerson = db.prepare('DELETE FROM provider_connections WHERE source_id IN (SELECT id FROM sources WHERE person_id = ?)');
  // A provider source's sync jobs and schedule (migration 8) go before the source they point at.
  const deleteSyncJobsOfSource = db.prepare('DELETE FROM sync_jobs WHERE source_id = ?');
  const deleteScheduleOfSource = db.prepare('DELETE FROM sync_schedules WHERE source_id = ?');
  const deleteSyncJobsOfPerson = db.prepare('DELETE FROM sync_jobs WHERE person_id = ?');
  const deleteSchedulesOfPerson = db.prepare('DELETE FROM sync_schedules WHERE source_id IN (SELECT id FROM sources WHERE person_id = ?)');

  const invitesBy = db.prepare('SELECT id FROM invites WHERE created_by = ?').pluck();
  const forgetUsedBy = db.prepare('UPDATE invites SET used_by = NULL WHERE used_by = ?');
  const deleteSessions = db.prepare('DELETE FROM sessions WHERE account_id = ?');
  const deleteFailures = db.prepare('DELETE FROM login_failures WHERE account_key = lower(?)');
  const deleteTotp = db.prepare('DELETE FROM account_totp WHERE account_id = ?');
  const deleteCodes = db.prepare('DELETE FROM recovery_codes WHERE account_id = ?');
  const deleteGrantsOfAccount = db.prepare('DELETE FROM grants WHERE account_id = ?');
  const deleteAccount = db.prepare('DELETE FROM accounts WHERE id = ?');

  return {
    /**
     * Everything of a person in the system database, the wrapped data key first in meaning: without
     * it the vault file and every copy of it is ciphertext nobody can open (crypto-shredding).
     * Pending invites that named the person are withdrawn whole (they were made to share them);
     * used or revoked ones only lose the row naming the person.
     */
    removePerson: db.transaction((personId: string): void => {
      for (const inviteId of pendingInvitesNaming.all(personId) as string[]) {
        deleteInviteGrantsOf.run(inviteId);
        deleteInvite.run(inviteId);
      }
      deleteInviteGrantsNaming.run(personId);
      deleteGrantsOfPerson.run(personId);
      deleteStatesOfPerson.run(personId);
      deleteConnectionsOfPerson.run(personId);
      deleteSyncJobsOfPerson.run(personId);
      deleteSchedulesOfPerson.run(personId);
      deleteSourcesOfPerson.run(personId);
      deleteLinksTo.run(personId);
      deleteKey.run(personId);
      deletePerson.run(personId);
    }),
    removeSource: db.transaction((sourceId: string): void => {
      deleteStatesOfSource.run(sourceId);
      deleteConnectionOfSource.run(sourceId);
      deleteSyncJobsOfSource.run(sourceId);
      deleteScheduleOfSource.run(sourceId);
      deleteSource.run(sourceId);
    }),
    /** An account and everything that is only about it; the audit trail keeps its id (no name). */
    removeAccount: db.transaction((accountId: string, username: string): void => {
      for (const inviteId of invitesBy.all(accountId) as string[]) {
        deleteInviteGrantsOf.run(inviteId);
        deleteInvite.run(inviteId);
      }
      forgetUsedBy.run(accountId);
      deleteSessions.run(accountId);
      deleteFailures.run(username);
      deleteTotp.run(accountId);
      deleteCodes.run(accountId);
      deleteGrantsOfAccount.run(accountId);
      deleteAccount.run(accountId);
    }),
  };
}

/** SQL of deleting one source's records from a vault. */
export function vaultSourceRepository(db: SqliteDatabase) {
  // A record "came from" the source when any of its versions (or its current row) did.
  const recordsOf = db.prepare(`SELECT type, id FROM resource_versions WHERE source_id = @source
    UNION SELECT type, id FROM resources WHERE source_id = @source`);
  const ridOf = db.prepare('SELECT rid FROM resources WHERE type = ? AND id = ?').pluck();
  const deleteIndex = INDEX_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE rid = ?`));
  const deleteText = db.prepare('DELETE FROM resource_text WHERE rowid = ?');
  const deleteCurrent = db.prepare('DELETE FROM resources WHERE rid = ?');
  const deleteVersions = db.prepare('DELETE FROM resource_versions WHERE type = ? AND id = ?');
  const deleteMappingsOfRecord = db.prepare('DELETE FROM source_ids WHERE type = ? AND id = ?');
  const deleteMappingsOfSource = db.prepare('DELETE FROM source_ids WHERE source_id = ?');
  const deleteImportFiles = db.prepare('DELETE FROM import_files WHERE import_id IN (SELECT id FROM imports WHERE source_id = ?)');
  const deleteImports = db.prepare('DELETE FROM imports WHERE source_id = ?');
  // FTS5 keeps a deleted row's terms in its index segments (as delete markers) until the segments
  // are merged; 'optimize' merges them all, so the words of deleted records leave the file
  // (https://www.sqlite.org/fts5.html#the_optimize_command).
  const optimizeText = db.prepare("INSERT INTO resource_text (resource_text) VALUES ('optimize')");
  const countCurrent = db.prepare('SELECT source_id AS sourceId, count(*) AS n FROM resources GROUP BY source_id');

  return {
    /** Removes the source's records (every version, index and FTS row, id mapping) and its imports; returns how many records. */
    removeSource: db.transaction((sourceId: string): number => {
      const records = recordsOf.all({ source: sourceId }) as { type: string; id: string }[];
      for (const { type, id } of records) {
        const rid = ridOf.get(type, id) as number | undefined;
        if (rid !== undefined) {
          for (const statement of deleteIndex) statement.run(rid);
          deleteText.run(rid);
          deleteCurrent.run(rid);
        }
        deleteVersions.run(type, id);
        deleteMappingsOfRecord.run(type, id);
      }
      deleteMappingsOfSource.run(sourceId);
      deleteImportFiles.run(sourceId);
      deleteImports.run(sourceId);
      optimizeText.run();
      return records.length;
    }),
    /** Current records per source id. */
    recordCounts(): Map<string | null, number> {
      return new Map((countCurrent.all() as { sourceId: string | null; n: number }[]).map((row) => [row.sourceId, row.n]));
    },
  };
}

/**
 * Rebuilds the file so freed pages (deleted rows, a wrapped key) are gone, then empties the WAL,
 * which may still hold the old pages (https://www.sqlite.org/lang_vacuum.html, pragma.html#pragma_wal_checkpoint).
 */
export function compact(db: SqliteDatabase): boolean {
  try {
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
    return true;
  } catch (error) {
    // Another process (a CLI import) holding the database: the deletion itself has committed and
    // secure_delete already overwrote the freed content, so the rebuild is left for next time.
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return false;
    throw error;
  }
}
