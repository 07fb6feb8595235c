import type { Command } from 'commander';
import { backupScheduler } from '../../backup/backup-scheduler.ts';
import { loadBackupConfig } from '../../backup/backup-config.ts';
import { describeServerConfig, loadServerConfig } from '../../config/server-config.ts';
import { HearthError } from '../../errors/hearth-error.ts';
import { authOptionsOf, buildServer } from '../../http/server.ts';
import { providerSyncWiring } from '../../sync/provider-wiring.ts';
import { initInstance, openInstance } from '../../instance/instance.ts';
import { commandContext } from '../context.ts';
import { warmHealthPages } from '../../health/warm-up.ts';

interface ServeOptions {
  host?: string;
  port?: string;
  config?: string;
  sessionIdleMinutes?: string;
  sessionAbsoluteHours?: string;
  maxFailedLoginsPerHour?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Hearth server (initialises the data directory on first run)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default 7070)')
    .option('--session-idle-minutes <minutes>', 'end a session unused for this long (default 15)')
    .option('--session-absolute-hours <hours>', 'end any session this long after sign-in (default 12)')
    .option('--max-failed-logins-per-hour <count>', 'failed sign-ins per account and hour before refusing (default 100, at most 100)')
    .option('--config <file>', 'configuration file (default: $HEARTH_CONFIG, or <data dir>/hearth.json if present)')
    .action(async (options: ServeOptions, command: Command) => {
      const { dataDir, output } = commandContext(command);
      const config = loadServerConfig({
        dataDir,
        flags: {
          ...(options.host !== undefined ? { host: options.host } : {}),
          ...(options.port !== undefined ? { port: options.port } : {}),
          ...(options.sessionIdleMinutes !== undefined ? { sessionIdleMinutes: options.sessionIdleMinutes } : {}),
          ...(options.sessionAbsoluteHours !== undefined ? { sessionAbsoluteHours: options.sessionAbsoluteHours } : {}),
          ...(options.maxFailedLoginsPerHour !== undefined ? { maxFailedLoginsPerHour: options.maxFailedLoginsPerHour } : {}),
        },
        ...(options.config !== undefined ? { configFile: options.config } : {}),
      });
      const init = await initInstance(dataDir);
      if (init.created && init.keyFile) output.note(`Created a master key at ${init.keyFile}: back it up away from this machine.`);
      const instance = await openInstance(dataDir);
      output.note(describeServerConfig(config, instance.keyOrigin));
      const backupConfig = loadBackupConfig(dataDir, process.env, config.configFile);
      const backups = backupScheduler({ instance, config: backupConfig, onError: (error) => output.note(`backup failed: ${error.message}`) });
      // Provider connections and syncs share one guarded outbound client (SECURITY.md SSRF). A token
      // refresh cut short by a crash is never replayed (smart/provider-session.ts); sync jobs a killed
      // server left resume once it is ready, and the per-source schedule runs (sync/sync-jobs.ts).
      const wiring = providerSyncWiring(instance, config);
      const interrupted = wiring.recoverInterruptedRefreshes();
      if (interrupted.length > 0) output.note(`${interrupted.length} provider connection(s) were mid-refresh at the last stop and need reconnecting`);
      const app = buildServer(instance, config, {
        auth: authOptionsOf(config),
        backups,
        // One guarded client; the server opens smart's sessions over it for connections and syncs alike.
        smart: { fetch: wiring.fetch, allowlist: config.outboundAllowlist },
        sync: { autoStart: true },
      });
      let address: string;
      try {
        address = await app.listen({ host: config.host, port: config.port });
      } catch (error) {
        instance.close();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new HearthError('conflict', `${config.host}:${config.port} is already in use (is Hearth already running?); choose another with --port`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new HearthError('invalid', `cannot listen on ${config.host}: no such local address`);
        throw error;
      }
      output.note(`Hearth listening on ${address} (data: ${dataDir})`);
      // The first visit after a restart should be as quick as the next ones (health/warm-up.ts).
      void warmHealthPages(instance, () => app.server.listening);
      const next = backups.status().nextRunAt;
      output.note(backupConfig.targets.length === 0 ? 'backups: not set up (backup.targets / HEARTH_BACKUP_TARGETS)' : `backups: every ${backupConfig.intervalHours} h to ${backupConfig.targets.join(', ')}${next ? `; next at ${next}` : ''}`);
      backups.start();
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      // Graceful: stop accepting, let in-flight requests finish, then close the databases.
      backups.stop();
      await backups.idle();
      await app.close();
      await wiring.close();
      instance.close();
      output.note('Hearth stopped');
    });
}
