import type { Command } from 'commander';
import { auditLog } from '../../audit/index.ts';
import { cliActor } from '../actor.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';
import { cliRequester, requireYes, withDeletion } from './delete-helpers.ts';

export function registerPerson(program: Command): void {
  const person = program.command('person').description('the people whose records this instance keeps');
  person
    .command('add')
    .description('add a person (creates their encrypted vault) and print their id')
    .requiredOption('--name <name>', "the person's name")
    .action(async (options: { name: string }, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, (instance) => {
        const added = instance.people.add(options.name);
        auditLog(instance.system).append({ actor: cliActor(), personId: added.id, action: 'setting', outcome: 'success' });
        context.output.result(added, () => added.id);
      });
    });
  person
    .command('list')
    .description('list people')
    .action(async (_options, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, (instance) => {
        const people = instance.people.list();
        context.output.result(people, () =>
          people.length === 0 ? 'No people yet: add one with "hearth person add --name …"' : table(['ID', 'NAME', 'ADDED'], people.map((p) => [p.id, p.name, p.createdAt])),
        );
      });
    });
  person
    .command('delete <id>')
    .description("delete a person: their vault, data key, sources, grants and links (cannot be undone)")
    .option('--yes', 'confirm the deletion')
    .action(async (id: string, options: { yes?: boolean }, command: Command) => {
      const context = commandContext(command);
      requireYes(options, 'a person');
      await withInstance(context, async (instance) => {
        const { escrowPending } = await withDeletion(instance, context.dataDir, (deletion) => deletion.deletePerson(cliRequester(), id));
        if (escrowPending.length > 0) context.output.note(`the backup key escrow could not be rewritten in ${escrowPending.join(', ')}: older backups there still hold this person's key until the next backup succeeds`);
        context.output.result({ personId: id, deleted: true, escrowPending }, () => `deleted person ${id}`);
      });
    });
}
