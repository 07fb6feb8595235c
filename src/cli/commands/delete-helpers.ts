import { loadServerConfig } from '../../config/server-config.ts';
import { deletionService, type DeletionService, type Requester } from '../../deletion/deletion-service.ts';
import { HearthError } from '../../errors/hearth-error.ts';
import type { Instance } from '../../instance/instance.ts';
import { providerSyncWiring } from '../../sync/provider-wiring.ts';
import { cliActor } from '../actor.ts';

/** Deletion cannot be undone: the command line asks for --yes instead of a prompt (scripts can pass it). */
export function requireYes(options: { yes?: boolean }, what: string): void {
  if (options.yes !== true) throw new HearthError('invalid', `deleting ${what} cannot be undone; add --yes to confirm`);
}

/** The operator at the shell (access/access.ts: the cli actor may do everything; the trail still records it). */
export const cliRequester = (): Requester => ({ actor: { kind: 'cli' }, auditActor: cliActor() });

/**
 * The deletion service as the shell uses it: provider connections' grants are revoked at the
 * provider first (through the guarded outbound client and the data directory's allowlist, as
 * `hearth serve` does), then the outbound client is closed.
 */
export async function withDeletion<T>(instance: Instance, dataDir: string, work: (deletion: DeletionService) => Promise<T>): Promise<T> {
  const wiring = providerSyncWiring(instance, loadServerConfig({ dataDir }));
  try {
    return await work(deletionService(instance, undefined, { revokeAtProvider: wiring.revoke }));
  } finally {
    await wiring.close();
  }
}
