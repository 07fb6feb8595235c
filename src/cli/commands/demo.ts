import type { Command } from 'commander';
import { HearthError } from '../../errors/hearth-error.ts';
import { initInstance } from '../../instance/instance.ts';
import { sourcesRepository } from '../../sources/sources-repository.ts';
import { auditLog } from '../../audit/index.ts';
import { cliActor } from '../actor.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';
import { progressReporter } from '../progress.ts';

/** Rough bytes per generated record, only for the progress bar's ETA. */
const APPROX_RECORD_BYTES = 700;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('create a synthetic demo family with years of realistic records (deterministic per seed)')
    .option('--seed <n>', 'random seed', '42')
    .option('--resources <n>', 'approximate records per person (default: a few hundred to a few thousand)')
    .action(async (options: { seed: string; resources?: string }, command: Command) => {
      const context = commandContext(command);
      const seed = Number(options.seed);
      const target = options.resources === undefined ? undefined : Number(options.resources);
      if (!Number.isSafeInteger(seed)) throw new HearthError('invalid', '--seed must be a whole number');
      if (target !== undefined && !(Number.isSafeInteger(target) && target >= 50 && target <= 5_000_000)) {
        throw new HearthError('invalid', '--resources must be a whole number from 50 to 5000000');
      }
      // Loaded here, not at start-up: FHIR definitions take a second that other commands need not pay.
      const [{ demoFamily, generatePersonRecords }, { generatedInput }, { importIntoVault }] = await Promise.all([
        import('../../demo/index.ts'),
        import('../../import/generated-input.ts'),
        import('../../import/import-into-vault.ts'),
      ]);
      await initInstance(context.dataDir);
      const progress = progressReporter();
      const results = await withInstance(context, async (instance) => {
        const sources = sourcesRepository(instance.system);
        const rows: { personId: string; name: string; created: number; unchanged: number; errors: number }[] = [];
        for (const plan of demoFamily(seed)) {
          // The same seed finds the same demo people again: running demo twice changes nothing.
          const person = instance.people.linkedPerson(`demo:${seed}:${plan.key}`, plan.name);
          const source = sources.findOrCreate(person.id, 'file', 'demo');
          const options = { seed, ...(target !== undefined ? { targetResources: target } : {}) };
          const input = generatedInput(`demo:${plan.key}`, `demo:${seed}:${plan.key}:${target ?? 'default'}`, (target ?? 1000) * APPROX_RECORD_BYTES, () =>
            generatePersonRecords(plan, options),
          );
          const vault = instance.people.openVault(person.id);
          try {
            const report = await importIntoVault(vault, {
              sourceId: source.id,
              inputs: [input],
              onProgress: (p) => progress.update({ label: plan.name, items: p.items, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, elapsedSeconds: p.elapsedSeconds }),
            });
            progress.done();
            auditLog(vault.db).append({ actor: cliActor(), personId: person.id, action: 'import', outcome: report.errorCount === 0 ? 'success' : 'failure' });
            const counts = Object.values(report.byType);
            rows.push({
              personId: person.id,
              name: person.name,
              created: counts.reduce((sum, c) => sum + c.created + c.updated, 0),
              unchanged: counts.reduce((sum, c) => sum + c.unchanged, 0),
              errors: report.errorCount,
            });
          } finally {
            vault.close();
          }
        }
        return rows;
      });
      context.output.result(results, () => table(['ID', 'NAME', 'WRITTEN', 'UNCHANGED', 'ERRORS'], results.map((r) => [r.personId, r.name, r.created, r.unchanged, r.errors])));
      if (results.some((r) => r.errors > 0)) process.exitCode = 2;
    });
}
