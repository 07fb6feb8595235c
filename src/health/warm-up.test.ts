import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../audit/index.ts';
import { sharedVaultCache } from '../fhir-api/vault-cache.ts';
import { vaultPath } from '../instance/data-dir.ts';
import { demoPerson } from '../../test/helpers/fhir-server.ts';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { warmHealthPages } from './warm-up.ts';

let instance: Awaited<ReturnType<typeof tempInstance>>;
let warm: string;
beforeAll(async () => {
  instance = await tempInstance();
  warm = await demoPerson(instance, 0, 200);
  // A person whose vault file is gone: the warm-up passes over it.
  const broken = instance.people.add('No vault').id;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${vaultPath(instance.paths, broken)}${suffix}`, { force: true });
}, 60_000);
afterAll(() => {
  sharedVaultCache(instance.people).close();
  instance.dispose();
});

describe('warming the health pages when the server starts (warm-up.ts)', () => {
  it('computes nothing once the server has stopped', async () => {
    expect(await warmHealthPages(instance, () => false)).toBe(0);
  });

  it('runs the dashboard, timeline and lab queries of every readable vault, writing no audit entry', async () => {
    const before = instance.people.openVault(warm);
    const entriesBefore = auditLog(before.db).list().length;
    before.close();
    expect(await warmHealthPages(instance, () => true)).toBe(1);
    // Nobody read anything: the person's trail is as it was.
    const vault = sharedVaultCache(instance.people).get(warm).vault;
    expect(auditLog(vault.db).list().length).toBe(entriesBefore);
  });
});
