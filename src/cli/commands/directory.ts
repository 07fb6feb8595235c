import type { Command } from 'commander';
import { auditLog } from '../../audit/index.ts';
import { HearthError } from '../../errors/hearth-error.ts';
import { cliActor } from '../actor.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';

interface SearchOptions {
  zip?: string;
  state?: string;
  vendor?: string;
  limit?: string;
}

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new HearthError('invalid', '--limit must be a whole number');
  return Number(value);
}

/** `hearth directory import|search`: the provider directory (public data, no person involved). */
export function registerDirectory(program: Command): void {
  const directory = program.command('directory').description('the provider directory: organisations and their FHIR endpoints');

  directory
    .command('import')
    .description('update the directory from ONC Lantern endpoint lists: a folder replaces it, single *EndpointSources.json files update their part')
    .argument('<paths...>', 'a folder of Lantern lists, or list files')
    .action(async (paths: string[], _options, command: Command) => {
      const context = commandContext(command);
      const { importDirectory } = await import('../../directory/directory-service.ts');
      await withInstance(context, (instance) => {
        const audit = auditLog(instance.system);
        const what = { type: 'Endpoint', query: new URLSearchParams({ change: 'directory-import', files: String(paths.length) }).toString() };
        let report;
        try {
          report = importDirectory(context.dataDir, paths);
        } catch (error) {
          audit.append({ actor: cliActor(), action: 'import', what, outcome: 'failure' });
          throw error;
        }
        audit.append({ actor: cliActor(), action: 'import', what, outcome: 'success' });
        context.output.result(report, () => {
          const skipped = report.files.filter((file) => file.skipped > 0);
          return [
            `${report.mode === 'replace' ? 'Replaced' : 'Updated'} the provider directory from ${report.files.length} list${report.files.length === 1 ? '' : 's'}: ` +
              `${report.stats.organizations} organisations, ${report.stats.endpoints} endpoints (${report.stats.duplicatesRemoved} duplicate listings merged).`,
            ...skipped.map((file) => `  ${file.file}: ${file.skipped} entr${file.skipped === 1 ? 'y' : 'ies'} left out (${file.firstSkipReason})`),
            `Written to ${report.path}; it is used instead of the directory shipped with Hearth.`,
          ].join('\n');
        });
      });
    });

  directory
    .command('search')
    .description('find organisations by name (words in any order, prefixes, one typo), ZIP, state or vendor')
    .argument('[text]', 'organisation name words', '')
    .option('--zip <zip>', 'a ZIP code or its first digits')
    .option('--state <XX>', 'a two-letter state code')
    .option('--vendor <name>', 'the EHR vendor or payer, e.g. epic, cerner, athena')
    .option('--limit <n>', 'how many results (1–200, default 20)')
    .action(async (text: string, options: SearchOptions, command: Command) => {
      const context = commandContext(command);
      const { directoryService } = await import('../../directory/directory-service.ts');
      // The directory is public data: no instance, key or audit entry is needed to read it.
      const found = directoryService(context.dataDir).search({
        text,
        ...(options.zip !== undefined ? { zip: options.zip } : {}),
        ...(options.state !== undefined ? { state: options.state } : {}),
        ...(options.vendor !== undefined ? { vendor: options.vendor } : {}),
        ...(options.limit !== undefined ? { limit: parseLimit(options.limit)! } : {}),
      });
      context.output.result(found, () => {
        const rows = found.results.map((result) => [result.organization, result.vendor, result.fhirVersion, [result.zip, result.state].filter(Boolean).join(' '), result.url]);
        const summary = `${found.total} organisation${found.total === 1 ? '' : 's'}${found.total > found.results.length ? ` (showing ${found.results.length})` : ''}`;
        return rows.length === 0 ? summary : `${table(['organisation', 'vendor', 'FHIR', 'where', 'endpoint'], rows)}\n${summary}`;
      });
    });
}
