import type { Command } from 'commander';
import { loadServerConfig } from '../../config/server-config.ts';
import { redirectUriOf } from '../../smart/connect-service.ts';
import { registrationsService, type NewRegistration } from '../../smart/registrations.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';
import { requireYes } from './delete-helpers.ts';

/** `hearth registration list|add|delete`: the provider apps (client ids) Hearth uses to connect. */
export function registerRegistration(program: Command): void {
  const registration = program.command('registration').description('client registrations Hearth uses to connect to providers (SMART on FHIR)');
  registration
    .command('list')
    .description('list registrations (never their secrets), with the redirect URI pattern and JWKS URL to give vendors')
    .action(async (_options: unknown, command: Command) => {
      const context = commandContext(command);
      const { publicUrl } = loadServerConfig({ dataDir: context.dataDir });
      await withInstance(context, (instance) => {
        const list = registrationsService(instance.system, instance.providerSecretKey).list();
        const result = { registrations: list, redirectUriPattern: redirectUriOf(publicUrl, '{sourceId}'), jwksUrl: `${publicUrl}/.well-known/jwks.json` };
        context.output.result(result, () =>
          [
            list.length === 0 ? 'No registrations yet' : table(['ID', 'LABEL', 'CLIENT ID', 'TYPE', 'ALG', 'APPLIES TO'], list.map((r) => [r.id, r.label, r.clientId, r.clientType, r.alg ?? '', r.appliesTo ?? ''])),
            `redirect URI: ${result.redirectUriPattern}`,
            `JWKS URL:     ${result.jwksUrl}`,
          ].join('\n'),
        );
      });
    });
  registration
    .command('add')
    .description('add a client id obtained from a vendor')
    .requiredOption('--label <text>', 'a name for it (e.g. "Epic production")')
    .requiredOption('--client-id <id>', 'the client id the vendor issued')
    .requiredOption('--type <type>', 'public | confidential-secret | confidential-key')
    .option('--secret-env <name>', 'confidential-secret: the environment variable holding the secret (never a flag: shell history)')
    .option('--alg <alg>', 'confidential-key: ES384 (default) or RS384')
    .option('--applies-to <text>', 'the vendor or FHIR base URL it is for')
    .option('--scopes <scopes>', 'data scopes to ask instead of patient/*.rs')
    .action(async (options: { label: string; clientId: string; type: string; secretEnv?: string; alg?: string; appliesTo?: string; scopes?: string }, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, (instance) => {
        const input = {
          label: options.label,
          clientId: options.clientId,
          clientType: options.type,
          ...(options.secretEnv ? { clientSecret: process.env[options.secretEnv] ?? '' } : {}),
          ...(options.alg ? { alg: options.alg } : {}),
          ...(options.appliesTo ? { appliesTo: options.appliesTo } : {}),
          ...(options.scopes ? { scopes: options.scopes } : {}),
        } as NewRegistration;
        const created = registrationsService(instance.system, instance.providerSecretKey).create(input);
        context.output.result(created, () => `added registration ${created.id}${created.keyId ? ` (key ${created.keyId}, ${created.alg}; public key at /.well-known/jwks.json)` : ''}`);
      });
    });
  registration
    .command('delete <id>')
    .description('delete a registration no connection uses')
    .option('--yes', 'confirm')
    .action(async (id: string, options: { yes?: boolean }, command: Command) => {
      const context = commandContext(command);
      requireYes(options, 'a registration');
      await withInstance(context, (instance) => {
        registrationsService(instance.system, instance.providerSecretKey).delete(id);
        context.output.result({ registrationId: id }, () => `deleted registration ${id}`);
      });
    });
}
