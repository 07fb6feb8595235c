import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempVault } from '../../test/helpers/temp-vault.ts';
import { recordStore } from '../records/record-store.ts';
import { fileInput, importIntoVault, type ImportProgress } from './import-into-vault.ts';

let vault: ReturnType<typeof tempVault>;
beforeEach(() => {
  vault = tempVault();
});
afterEach(() => vault.dispose());

const lines = [
  { resourceType: 'Patient', id: 'p1', name: [{ family: 'Lee' }] },
  { resourceType: 'Observation', id: 'o1', meta: { tag: [{ code: 'kept' }] }, status: 'final', code: { text: 'weight' }, subject: { reference: 'Patient/p1' } },
  { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'height' }, subject: { reference: 'Patient/p1' } },
];

describe('importIntoVault (write path details)', () => {
  it('counts progress from the lines read, restores the checkpoint interval, stores meta as serialised', async () => {
    const file = join(vault.dir, 'records.ndjson');
    const text = lines.map((line) => JSON.stringify(line)).join('\n');
    writeFileSync(file, text);
    const progress: ImportProgress[] = [];
    const before = vault.db.pragma('wal_autocheckpoint', { simple: true });
    const report = await importIntoVault(vault, { sourceId: 's', inputs: [fileInput(file)], batchSize: 2, onProgress: (p) => progress.push(p) });
    expect(report.errorCount).toBe(0);
    expect(vault.db.pragma('wal_autocheckpoint', { simple: true })).toBe(before);
    // The batch of two reports the two lines' length (the reader's, not a re-serialisation).
    expect(progress[0]!.bytesDone).toBe(JSON.stringify(lines[0]).length + JSON.stringify(lines[1]).length);
    const store = recordStore(vault.db);
    for (const line of lines) {
      const json = vault.db.prepare('SELECT json FROM resources WHERE type = ? AND id = ?').pluck().get(line.resourceType, line.id) as string;
      const stored = store.read(line.resourceType, line.id)!;
      // Byte for byte what JSON.stringify gives, meta (server-owned, with the input's tag) included.
      expect(json).toBe(JSON.stringify(stored));
      expect(stored.meta?.versionId).toBe('1');
    }
    expect(store.read('Observation', 'o1')!.meta?.tag).toEqual([{ code: 'kept' }]);
  });
});
