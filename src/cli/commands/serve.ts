import type { Command } from 'commander';
import { HearthError } from '../../errors/hearth-error.ts';
import { buildServer } from '../../http/server.ts';
import { initInstance, openInstance } from '../../instance/instance.ts';
import { commandContext } from '../context.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Hearth server (initialises the data directory on first run)')
    .option('--host <host>', 'address to listen on', process.env.HEARTH_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port to listen on', process.env.HEARTH_PORT ?? '7070')
    .action(async (options: { host: string; port: string }, command: Command) => {
      const { dataDir, output } = commandContext(command);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new HearthError('invalid', `--port must be 0-65535, not "${options.port}"`);
      const init = await initInstance(dataDir);
      if (init.created && init.keyFile) output.note(`Created a master key at ${init.keyFile}: back it up away from this machine.`);
      const instance = await openInstance(dataDir);
      const app = buildServer(instance);
      const address = await app.listen({ host: options.host, port });
      output.note(`Hearth listening on ${address} (data: ${dataDir})`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      // Graceful: stop accepting, let in-flight requests finish, then close the databases.
      await app.close();
      instance.close();
      output.note('Hearth stopped');
    });
}
