import type { Command } from 'commander';
import { deletionService } from '../../deletion/deletion-service.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';
import { cliRequester, requireYes } from './delete-helpers.ts';

export function registerSource(program: Command): void {
  const source = program.command('source').description("where a person's records came from (file imports, later providers)");
  source
    .command('list')
    .description("list a person's sources with their record counts")
    .requiredOption('--person <id>', 'the person')
    .action(async (options: { person: string }, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, (instance) => {
        const sources = deletionService(instance).listSources(cliRequester(), options.person);
        context.output.result(sources, () =>
          sources.length === 0 ? 'No sources yet' : table(['ID', 'KIND', 'LABEL', 'RECORDS', 'ADDED'], sources.map((s) => [s.id, s.kind, s.label, String(s.records), s.createdAt])),
        );
      });
    });
  source
    .command('delete <id>')
    .description('delete a source and every record that came from it (cannot be undone)')
    .option('--yes', 'confirm the deletion')
    .action(async (id: string, options: { yes?: boolean }, command: Command) => {
      const context = commandContext(command);
      requireYes(options, 'a source');
      await withInstance(context, async (instance) => {
        const result = await deletionService(instance).deleteSource(cliRequester(), id);
        context.output.result({ sourceId: id, records: result.records }, () => `deleted source ${id} and ${result.records} record(s)`);
      });
    });
}
