import type { Command } from 'commander';
import { loadServerConfig } from '../../config/server-config.ts';
import { deletionService } from '../../deletion/deletion-service.ts';
import { connectService } from '../../smart/connect-service.ts';
import { outboundClientFor } from '../../outbound/outbound-client.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';
import { cliRequester, requireYes, withDeletion } from './delete-helpers.ts';
import { registerSourceSchedule, registerSourceSync } from './source-sync.ts';
import { sourceSyncSummaries } from '../../sync/source-status.ts';

export function registerSource(program: Command): void {
  const source = program.command('source').description("where a person's records came from (file imports, later providers)");
  source
    .command('list')
    .description("list a person's sources with their record counts")
    .requiredOption('--person <id>', 'the person')
    .action(async (options: { person: string }, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, (instance) => {
        const listed = deletionService(instance).listSources(cliRequester(), options.person);
        const sync = sourceSyncSummaries(instance.system, listed);
        const sources = listed.map((s) => ({ ...s, sync: sync.get(s.id) ?? null }));
        const when = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '-');
        context.output.result(sources, () =>
          sources.length === 0
            ? 'No sources yet'
            : table(
                ['ID', 'KIND', 'LABEL', 'RECORDS', 'STATUS', 'LAST SYNC', 'LAST SUCCESS', 'ADDED'],
                sources.map((s) => [s.id, s.kind, s.label, String(s.records), s.sync ? (s.sync.status ?? '-') : '', s.sync?.lastJob ? `${s.sync.lastJob.state} ${when(s.sync.lastJob.finishedAt ?? s.sync.lastJob.createdAt)}` : '', s.sync ? when(s.sync.lastSuccessAt) : '', s.createdAt]),
              ),
        );
      });
    });
  registerSourceSync(source);
  registerSourceSchedule(source);
  source
    .command('add')
    .description('connect a provider: prints the URL to open in a browser while "hearth serve" runs')
    .requiredOption('--person <id>', 'the person the records are for')
    .requiredOption('--url <fhirBase>', "the provider's FHIR base URL")
    .requiredOption('--registration <id>', 'the client registration to use (hearth registration list)')
    .option('--label <text>', 'a name for the source (default: the host)')
    .action(async (options: { person: string; url: string; registration: string; label?: string }, command: Command) => {
      const context = commandContext(command);
      const config = loadServerConfig({ dataDir: context.dataDir });
      const { publicUrl } = config;
      const outbound = outboundClientFor(config);
      await withInstance(context, async (instance) => {
        try {
        // The CLI has no browser session: the state is bound to the marker 'cli' (README "Connecting to providers").
        const started = await connectService({ instance, fetch: outbound.fetch, publicUrl, allowlist: config.outboundAllowlist }).connect({
          actor: { kind: 'cli' },
          personId: options.person,
          fhirBaseUrl: options.url,
          label: options.label,
          registrationId: options.registration,
          binding: { kind: 'cli' },
        });
        context.output.result(started, () => `source ${started.sourceId} created; open this within 10 minutes while "hearth serve" runs at ${publicUrl}:\n${started.authorizeUrl}`);
        } finally {
        await outbound.close();
       }
      });
    });
  source
    .command('delete <id>')
    .description("delete a source and every record that came from it (cannot be undone); a provider's grant is revoked there first")
    .option('--yes', 'confirm the deletion')
    .action(async (id: string, options: { yes?: boolean }, command: Command) => {
      const context = commandContext(command);
      requireYes(options, 'a source');
      await withInstance(context, async (instance) => {
        const result = await withDeletion(instance, context.dataDir, (deletion) => deletion.deleteSource(cliRequester(), id));
        const revoked = result.providerRevocation ? ` (provider grant: ${result.providerRevocation})` : '';
        context.output.result({ sourceId: id, records: result.records, ...(result.providerRevocation ? { providerRevocation: result.providerRevocation } : {}) }, () => `deleted source ${id} and ${result.records} record(s)${revoked}`);
      });
    });
}
