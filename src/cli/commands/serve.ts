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
      let address: string;
      try {
        address = await app.listen({ host: options.host, port });
      } catch (error) {
        instance.close();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new HearthError('conflict', `${options.host}:${port} is already in use (is Hearth already running?); choose another with --port`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new HearthError('invalid', `cannot listen on ${options.host}: no such local address`);
        throw error;
      }
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
