import type { Command } from 'commander';
import { auditLog } from '../../audit/index.ts';
import { cliActor } from '../actor.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description("count a person's records by type")
    .requiredOption('--person <id>', 'whose records to count')
    .action(async (options: { person: string }, command: Command) => {
      const context = commandContext(command);
      const { recordStore } = await import('../../records/record-store.ts');
      await withInstance(context, (instance) => {
        const person = instance.people.require(options.person);
        const vault = instance.people.openVault(person.id);
        try {
          const counts = recordStore(vault.db).counts();
          auditLog(vault.db).append({ actor: cliActor(), personId: person.id, action: 'read', outcome: 'success' });
          const total = counts.reduce((sum, row) => sum + row.count, 0);
          context.output.result({ personId: person.id, total, byType: Object.fromEntries(counts.map((row) => [row.type, row.count])) }, () =>
            [`${person.name}: ${total} records`, table(['TYPE', 'COUNT'], counts.map((row) => [row.type, row.count]))].join('\n'),
          );
        } finally {
          vault.close();
        }
      });
    });
}
