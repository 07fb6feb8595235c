import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit.ts';
import { registerBackup } from './commands/backup.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDirectory } from './commands/directory.ts';
import { registerExport } from './commands/export.ts';
import { registerImport } from './commands/import.ts';
import { registerInit } from './commands/init.ts';
import { registerPerson } from './commands/person.ts';
import { registerSearch } from './commands/search.ts';
import { registerServe } from './commands/serve.ts';
import { registerSource } from './commands/source.ts';
import { registerRegistration } from './commands/registration.ts';
import { registerStats } from './commands/stats.ts';
import { registerUser } from './commands/user.ts';
import { reportError } from './output.ts';
import { HEARTH_VERSION } from '../version.ts';

/** Runs the `hearth` command line; resolves to the exit code (0 ok, 1 user error, 2 internal error). */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('hearth')
    .description('Hearth: your health records, encrypted, on your own machine')
    .version(HEARTH_VERSION)
    .option('--data-dir <dir>', 'data directory (default: $HEARTH_DATA_DIR or ./data)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError('(run "hearth --help" for usage)')
    .exitOverride();
  program.configureOutput({ outputError: (text, write) => write(`hearth: ${text.replace(/^error: /, '').trimEnd()}\n`) });
  for (const register of [registerInit, registerPerson, registerSource, registerRegistration, registerImport, registerSearch, registerStats, registerDemo, registerAudit, registerExport, registerUser, registerDirectory, registerBackup, registerServe]) {
    register(program);
  }
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command that finished with a partial failure (e.g. an import with rejected entries) sets it.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0 through this path too.
      return error.exitCode === 0 ? 0 : 1;
    }
    return reportError(error, argv.includes('--json'));
  }
}
