import type { Command } from 'commander';
import { initInstance } from '../../instance/instance.ts';
import { commandContext } from '../context.ts';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create the data directory, the master key and the encrypted system database')
    .action(async (_options, command: Command) => {
      const { dataDir, output } = commandContext(command);
      const result = await initInstance(dataDir);
      output.result({ dataDir: result.paths.root, created: result.created, keyOrigin: result.keyOrigin, keyFile: result.keyFile ?? null }, () => {
        if (!result.created) return `Hearth is already initialised in ${result.paths.root}`;
        const lines = [`Initialised Hearth in ${result.paths.root}`];
        if (result.keyFile) {
          lines.push(
            `Master key written to ${result.keyFile} (mode 0600).`,
            'Back it up somewhere other than this machine: without it the data cannot be decrypted, by anyone.',
          );
        } else {
          lines.push(`Master key taken from ${result.keyOrigin}.`);
        }
        return lines.join('\n');
      });
    });
}
