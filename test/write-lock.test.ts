import type { Patient } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { recordStore } from '../src/records/record-store.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// Two connections to one vault stand for two Hearth processes (the server backing up, a CLI
// import). A batch reads current versions before it writes; if another connection could commit
// in between, SQLite would fail the batch at once with SQLITE_BUSY_SNAPSHOT, which no busy timeout
// retries. Batches and audit appends therefore take the write lock when they begin.
describe('write transactions across connections', () => {
  let instance: Awaited<ReturnType<typeof tempInstance>>;
  let personId: string;
  beforeEach(async () => {
    instance = await tempInstance();
    personId = instance.people.add('Ann Lock').id;
  });
  afterEach(() => instance.dispose());

  const patient = (family: string) => ({ resourceType: 'Patient' as const, id: 'p1', name: [{ family }] });

  it('a record batch cannot be overtaken between its reads and its writes: the other writer waits, the batch lands', () => {
    const importer = instance.people.openVault(personId);
    const backup = instance.people.openVault(personId);
    try {
      backup.db.pragma('busy_timeout = 0'); // fail at once instead of waiting out the test
      const store = recordStore(importer.db);
      store.transaction(() => store.write(patient('First'), { sourceId: 's' }));
      const result = store.transaction(() => {
        expect((store.read('Patient', 'p1') as Patient | undefined)?.name?.[0]?.family).toBe('First'); // the batch has read
        // Another process's audit entry tries to commit now: it must not get in.
        expect(() => auditLog(backup.db).append({ actor: 'backup', personId, action: 'backup', outcome: 'success', what: { query: 'backup=b1' } })).toThrow(/locked|busy/i);
        return store.write(patient('Second'), { sourceId: 's' });
      });
      expect(result.outcome).toBe('updated');
      // Once the batch has committed the other writer goes ahead.
      expect(auditLog(backup.db).append({ actor: 'backup', personId, action: 'backup', outcome: 'success', what: { query: 'backup=b1' } }).action).toBe('backup');
    } finally {
      importer.close();
      backup.close();
    }
  });
});
