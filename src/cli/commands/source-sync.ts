import type { Command } from 'commander';
import { accessControl } from '../../access/access.ts';
import { loadServerConfig } from '../../config/server-config.ts';
import { HearthError } from '../../errors/hearth-error.ts';
import { sourcesRepository } from '../../sources/sources-repository.ts';
import { providerSyncWiring } from '../../sync/provider-wiring.ts';
import { syncJobs } from '../../sync/sync-jobs.ts';
import { setSyncInterval } from '../../sync/sync-schedule.ts';
import { totals } from '../../sync/sync-results.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';
import { cliRequester } from './delete-helpers.ts';

/**
 * `hearth source sync <sourceId>`: one sync of a provider source, in this process, with a progress
 * line on stderr. A job a killed run left behind is taken over from its checkpoint. Exits 1 unless
 * the job ends 'succeeded' (a partial sync is not a success).
 */
export function registerSourceSync(source: Command): void {
  source
    .command('sync <sourceId>')
    .description("sync a provider source now (resumes an interrupted sync)")
    .action(async (sourceId: string, _options: unknown, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, async (instance) => {
        const row = sourcesRepository(instance.system).get(sourceId);
        if (!row || row.kind !== 'provider') throw new HearthError('not-found', 'no such provider source');
        const config = loadServerConfig({ dataDir: context.dataDir });
        const wiring = providerSyncWiring(instance, config);
        const jobs = syncJobs({ instance, access: accessControl(instance.system), openSession: wiring.openSession, fetch: wiring.fetch });
        const unsubscribe = jobs.subscribe(sourceId, (event) => {
          if (event.kind === 'progress') process.stderr.write(`\r${event.progress.type}: ${event.progress.pages} page(s), ${event.progress.received} record(s)   `);
        });
        try {
          const requester = { ...cliRequester(), actor: { kind: 'cli' as const } };
          const job = await jobs.run(requester, row.personId, sourceId, 'manual');
          process.stderr.write('\n');
          const sum = totals(job.results);
          context.output.result(job, () =>
            [
              `sync ${job.state}${job.error ? ` (${job.error})` : ''}: ${sum.new} new, ${sum.updated} updated, ${sum.unchanged} unchanged, ${sum.warnings} warning(s), ${sum.errors} error(s)`,
              table(['TYPE', 'NEW', 'UPDATED', 'UNCHANGED', 'WARNINGS', 'ERRORS'], Object.entries(job.results).map(([type, r]) => [type, String(r.new), String(r.updated), String(r.unchanged), r.warnings.map((w) => w.code).join(' '), r.errors.map((e) => e.code).join(' ')])),
            ].join('\n'),
          );
          if (job.state !== 'succeeded') process.exitCode = 1;
        } finally {
          unsubscribe();
          await jobs.close();
          await wiring.close();
        }
      });
    });
}

/** `hearth source schedule <sourceId> --every <hours>`: how often `hearth serve` syncs the source. */
export function registerSourceSchedule(source: Command): void {
  source
    .command('schedule <sourceId>')
    .description('set how often the server syncs a provider source (default every 24 hours)')
    .requiredOption('--every <hours>', 'hours between scheduled syncs (1–720)')
    .action(async (sourceId: string, options: { every: string }, command: Command) => {
      const context = commandContext(command);
      const hours = /^\d+$/.test(options.every) ? Number(options.every) : Number.NaN;
      await withInstance(context, async (instance) => {
        const row = sourcesRepository(instance.system).get(sourceId);
        if (!row || row.kind !== 'provider') throw new HearthError('not-found', 'no such provider source');
        const schedule = setSyncInterval({ instance, access: accessControl(instance.system) }, { ...cliRequester(), actor: { kind: 'cli' } }, row.personId, sourceId, hours);
        const next = schedule.nextRunAt === null ? 'not yet' : new Date(schedule.nextRunAt).toISOString();
        context.output.result(schedule, () => `source ${sourceId} syncs every ${schedule.intervalHours} h; next ${next}`);
      });
    });
}
