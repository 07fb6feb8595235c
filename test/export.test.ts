import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessControl } from '../src/access/access.ts';
import { auditLog } from '../src/audit/index.ts';
import { canonicalHash } from '../src/export/canonical-hash.ts';
import { startExport } from '../src/export/export-service.ts';
import type { ExportManifest } from '../src/export/export-writer.ts';
import { validateFhirResource } from '../src/fhir/validate.ts';
import { importFiles } from '../src/import/import-service.ts';
import { recordStore } from '../src/records/record-store.ts';
import { sourcesRepository } from '../src/sources/sources-repository.ts';
import { demoPerson, type TestInstance } from './helpers/fhir-server.ts';
import { ndjson, readZip } from './helpers/read-zip.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// A person's full export (issue 6 §1) from a real encrypted vault, read back with a real zip reader.
let instance: TestInstance;
let personId: string;
let updatedId: string;
let deletedId: string;

async function exportOf(allVersions: boolean): Promise<{ files: Map<string, Buffer>; manifest: ExportManifest }> {
  const running = startExport(
    { access: accessControl(instance.system), people: instance.people, systemAudit: auditLog(instance.system) },
    { actor: { kind: 'cli' }, actorName: 'cli:test', personId, allVersions },
  );
  const bytes = await buffer(running.stream);
  const manifest = await running.done;
  return { files: await readZip(bytes), manifest };
}

beforeAll(async () => {
  instance = await tempInstance();
  personId = await demoPerson(instance, 2, 300);
  // An update and a deletion give the vault earlier versions to export.
  const vault = instance.people.openVault(personId);
  try {
    const source = sourcesRepository(instance.system).findOrCreate(personId, 'file', 'demo');
    const store = recordStore(vault.db);
    const conditions = vault.db.prepare("SELECT id FROM resources WHERE type = 'Condition' ORDER BY id LIMIT 2").pluck().all() as string[];
    [updatedId, deletedId] = conditions as [string, string];
    const condition = store.read('Condition', updatedId)!;
    store.writeIsolated({ ...condition, note: [{ text: 'updated for the export test' }] } as typeof condition, { sourceId: source.id, vaultIds: true });
    store.remove('Condition', deletedId, { sourceId: source.id });
    auditLog(vault.db).append({ actor: 'cli:test', personId, action: 'read', what: { type: 'Condition', ids: [updatedId] }, outcome: 'success' });
  } finally {
    vault.close();
  }
});
afterAll(() => instance.dispose());

function vaultCounts(): Record<string, number> {
  const vault = instance.people.openVault(personId);
  try {
    return Object.fromEntries(recordStore(vault.db).counts().map(({ type, count }) => [type, count]));
  } finally {
    vault.close();
  }
}

describe('full export', () => {
  it('holds every current record of every type, as NDJSON and in the Bundle, with the counts in the manifest', async () => {
    const { files, manifest } = await exportOf(false);
    const counts = vaultCounts();
    expect(Object.keys(counts).length).toBeGreaterThan(5);
    expect(manifest.counts).toEqual(counts);
    for (const [type, count] of Object.entries(counts)) {
      const records = ndjson(files.get(`ndjson/${type}.ndjson`));
      expect(records, type).toHaveLength(count);
      expect(new Set(records.map((record) => record.resourceType))).toEqual(new Set([type]));
      expect(new Set(records.map((record) => record.id)).size).toBe(count);
    }
    expect([...files.keys()].filter((path) => path.startsWith('ndjson/'))).toHaveLength(Object.keys(counts).length);
    const bundle = JSON.parse(files.get('bundle.json')!.toString('utf8'));
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(bundle.entry).toHaveLength(manifest.total);
    expect(manifest.total).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
    // The deleted record is gone from the current files; the updated one is there in its new version.
    expect(ndjson(files.get('ndjson/Condition.ndjson')).map((c) => c.id)).not.toContain(deletedId);
    expect(ndjson(files.get('ndjson/Condition.ndjson')).find((c) => c.id === updatedId).note[0].text).toBe('updated for the export test');
    expect([...files.keys()].some((path) => path.startsWith('versions/'))).toBe(false);
    expect(manifest.person).toMatchObject({ id: personId, name: instance.people.require(personId).name });
    expect(manifest.hearthVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.exportedAt).toMatch(/Z$/);
  });

  it('lists the size and SHA-256 of every other file in the manifest, and they match', async () => {
    const { files, manifest } = await exportOf(true);
    const listed = manifest.files.map((file) => file.path).sort();
    expect(listed).toEqual([...files.keys()].filter((path) => path !== 'manifest.json').sort());
    for (const file of manifest.files) {
      const bytes = files.get(file.path)!;
      expect(bytes.length, file.path).toBe(file.size);
      expect(createHash('sha256').update(bytes).digest('hex'), file.path).toBe(file.sha256);
    }
    expect(JSON.parse(files.get('manifest.json')!.toString('utf8'))).toEqual(manifest);
  });

  it('with all versions, adds the earlier versions of updated and deleted records', async () => {
    const { files, manifest } = await exportOf(true);
    const earlier = ndjson(files.get('versions/Condition.ndjson'));
    expect(earlier.map((c) => `${c.id}@${c.meta.versionId}`).sort()).toEqual([`${deletedId}@1`, `${updatedId}@1`].sort());
    expect(earlier.find((c) => c.id === updatedId).note).toBeUndefined();
    expect(manifest.versionCounts).toEqual({ Condition: 2 });
  });

  it('decodes inline attachments to files, mapped in the manifest', async () => {
    const { files, manifest } = await exportOf(false);
    const binaries = ndjson(files.get('ndjson/Binary.ndjson')).filter((b) => b.data);
    const inline = ndjson(files.get('ndjson/DocumentReference.ndjson')).flatMap((d) => d.content.filter((c: any) => c.attachment.data));
    expect(binaries.length).toBeGreaterThan(0);
    expect(inline.length).toBeGreaterThan(0);
    expect(manifest.attachments).toHaveLength(binaries.length + inline.length);
    for (const attachment of manifest.attachments) {
      const [type, id] = attachment.resource.split('/') as [string, string];
      const record = ndjson(files.get(`ndjson/${type}.ndjson`)).find((r) => r.id === id);
      const data = type === 'Binary' ? record.data : record.content[Number(/content\[(\d+)\]/.exec(attachment.element)![1])].attachment.data;
      expect(files.get(attachment.file)!.equals(Buffer.from(data, 'base64')), attachment.file).toBe(true);
      expect(attachment.file).toMatch(/^attachments\/(Binary|DocumentReference)\/[A-Za-z0-9\-.]+\.txt$/);
    }
  });

  it('includes the audit trail as valid FHIR AuditEvents, and records the export itself', async () => {
    const vault = instance.people.openVault(personId);
    const before = auditLog(vault.db).list({ limit: 10_000 });
    vault.close();
    const { files, manifest } = await exportOf(false);
    const events = ndjson(files.get('audit/AuditEvent.ndjson'));
    expect(events).toHaveLength(before.length);
    expect(manifest.auditEvents).toBe(before.length);
    for (const event of events) expect(validateFhirResource(event).resourceType).toBe('AuditEvent');
    expect(events.some((event) => event.entity?.some((e: any) => e.what?.reference === `Condition/${updatedId}`))).toBe(true);
    const after = instance.people.openVault(personId);
    try {
      const last = auditLog(after.db).list({ limit: 10_000 }).at(-1)!;
      expect(last).toMatchObject({ action: 'export', outcome: 'success', actor: 'cli:test', personId });
    } finally {
      after.close();
    }
  });

  it('refuses an unknown person with the one not-found, recorded in the system trail', () => {
    const deps = { access: accessControl(instance.system), people: instance.people, systemAudit: auditLog(instance.system) };
    expect(() => startExport(deps, { actor: { kind: 'account', accountId: 'nobody' }, actorName: 'nobody', personId, allVersions: false })).toThrow('no such person');
    expect(auditLog(instance.system).list({ limit: 10_000 }).at(-1)).toMatchObject({ action: 'export', outcome: 'denied', actor: 'nobody' });
  });
});

describe('round trip', () => {
  it('importing the NDJSON into an empty instance reproduces the same canonical hash', async () => {
    const { files } = await exportOf(true);
    const dir = mkdtempSync(join(tmpdir(), 'hearth-export-rt-'));
    const fresh = await tempInstance();
    try {
      mkdirSync(join(dir, 'ndjson'));
      for (const [path, bytes] of files) if (path.startsWith('ndjson/')) writeFileSync(join(dir, path), bytes);
      const person = fresh.people.add('Round trip');
      const [report] = await importFiles(fresh, { actor: 'test', paths: [join(dir, 'ndjson')], target: { kind: 'person', personId: person.id } });
      expect(report!.errorCount).toBe(0);
      const original = instance.people.openVault(personId);
      const copy = fresh.people.openVault(person.id);
      try {
        const a = canonicalHash(original.db);
        const b = canonicalHash(copy.db);
        expect(b.counts).toEqual(a.counts);
        expect(b.sha256).toBe(a.sha256);
        // The versions and stamps differ between the two vaults; the content does not.
        const stamp = (db: typeof copy.db) => db.prepare("SELECT json FROM resources WHERE type = 'Condition' AND id = ?").pluck().get(updatedId) as string;
        expect(JSON.parse(stamp(original.db)).meta.versionId).toBe('2');
        expect(JSON.parse(stamp(copy.db)).meta.versionId).toBe('1');
        // And the hash does see a change of content.
        const source = sourcesRepository(fresh.system).findOrCreate(person.id, 'file', 'file import');
        const store = recordStore(copy.db);
        store.writeIsolated({ ...store.read('Condition', updatedId)!, id: updatedId, note: [{ text: 'changed' }] } as any, { sourceId: source.id, vaultIds: true });
        expect(canonicalHash(copy.db).sha256).not.toBe(a.sha256);
      } finally {
        original.close();
        copy.close();
      }
    } finally {
      fresh.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an empty vault', () => {
  it('exports a manifest, an empty trail file and a Bundle without entries', async () => {
    const empty = instance.people.add('Nobody yet').id;
    const running = startExport(
      { access: accessControl(instance.system), people: instance.people, systemAudit: auditLog(instance.system) },
      { actor: { kind: 'cli' }, actorName: 'cli:test', personId: empty, allVersions: true },
    );
    const files = await readZip(await buffer(running.stream));
    const manifest = await running.done;
    expect(manifest).toMatchObject({ total: 0, counts: {}, versionCounts: {}, attachments: [], auditEvents: 0 });
    expect(JSON.parse(files.get('bundle.json')!.toString('utf8'))).toEqual({ resourceType: 'Bundle', type: 'collection', timestamp: manifest.exportedAt });
    expect([...files.keys()].sort()).toEqual(['audit/AuditEvent.ndjson', 'bundle.json', 'manifest.json']);
  });
});
