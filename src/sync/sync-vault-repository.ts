import type { SqliteDatabase } from '../storage/encrypted-database.ts';

/** SQL over a vault for sync: what a source's records refer to that the vault does not hold yet. */
export function syncVaultRepository(db: SqliteDatabase) {
  // A reference claims its target's id mapping when written (records/record-store.ts vaultId), so
  // a mapping without a current record is a reference not yet fetched.
  const missing = db.prepare(
    `SELECT s.type, s.source_resource_id AS id FROM source_ids s
     WHERE s.source_id = ? AND NOT EXISTS (SELECT 1 FROM resources r WHERE r.type = s.type AND r.id = s.id)
     ORDER BY s.type, s.source_resource_id`,
  );
  const held = db.prepare(
    `SELECT 1 FROM source_ids s JOIN resources r ON r.type = s.type AND r.id = s.id
     WHERE s.source_id = ? AND s.type = ? AND s.source_resource_id = ?`,
  ).pluck();
  const withAttachments = db.prepare("SELECT json FROM resources WHERE source_id = ? AND type IN ('DocumentReference', 'DiagnosticReport')").pluck();
  return {
    missingReferences: (sourceId: string) => missing.all(sourceId) as { type: string; id: string }[],
    holds: (sourceId: string, type: string, id: string) => held.get(sourceId, type, id) === 1,
    /** Attachment URLs of the source's documents and reports (R4 Attachment.url). */
    *attachmentUrls(sourceId: string): Generator<string> {
      for (const json of withAttachments.iterate(sourceId) as Iterable<string>) {
        const resource = JSON.parse(json) as { content?: { attachment?: { url?: string } }[]; presentedForm?: { url?: string }[] };
        for (const content of resource.content ?? []) if (typeof content.attachment?.url === 'string') yield content.attachment.url;
        for (const form of resource.presentedForm ?? []) if (typeof form.url === 'string') yield form.url;
      }
    },
  };
}
