import { describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { openInstance } from '../src/instance/instance.ts';
import { sourcesRepository } from '../src/sources/sources-repository.ts';
import { runCli } from './helpers/run-cli.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// `hearth source schedule`: the per-source sync interval (issue 4 §5) from the shell.
describe('hearth source schedule', () => {
  it('sets a provider source\'s interval, refuses a bad one or a file source, and audits the change', { timeout: 120_000 }, async () => {
    const instance = await tempInstance();
    const dataDir = instance.paths.root;
    const person = instance.people.add('Ann Schedule');
    const provider = sourcesRepository(instance.system).findOrCreate(person.id, 'provider', 'Clinic', 'https://fhir.example.org/r4');
    const file = sourcesRepository(instance.system).findOrCreate(person.id, 'file', 'labs');
    instance.close();
    try {
      const run = (...args: string[]) => runCli(['source', 'schedule', ...args, '--data-dir', dataDir], {});
      const ok = await run(provider.id, '--every', '12', '--json');
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout).intervalHours).toBe(12);
      for (const every of ['0', '721', 'daily', '1.5']) {
        const bad = await run(provider.id, '--every', every);
        expect(bad.code, every).toBe(1);
        expect(bad.stderr).toMatch(/whole number of hours from 1 to 720/);
      }
      const notProvider = await run(file.id, '--every', '12');
      expect(notProvider.code).toBe(1);
      expect(notProvider.stderr).toMatch(/no such provider source/);

      const reopened = await openInstance(dataDir, {});
      try {
        const interval = reopened.system.prepare('SELECT interval_hours FROM sync_schedules WHERE source_id = ?').pluck().get(provider.id);
        expect(interval).toBe(12);
        const vault = reopened.people.openVault(person.id);
        try {
          expect(auditLog(vault.db).list({ action: 'setting' }).map((entry) => entry.what?.query)).toEqual([`source=${provider.id}&syncIntervalHours=12`]);
        } finally {
          vault.close();
        }
      } finally {
        reopened.close();
      }
    } finally {
      instance.dispose();
    }
  });
});
