import { loadServerConfig } from '../../config/server-config.ts';
import { deletionService, type DeletionService, type Requester } from '../../deletion/deletion-service.ts';
import { HearthError } from '../../errors/hearth-error.ts';
import type { Instance } from '../../instance/instance.ts';
import { providerSyncWiring, type ProviderSyncWiring } from '../../sync/provider-wiring.ts';
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
 * `hearth serve` does). The client is made only when a provider source is deleted, and a
 * configuration that cannot be read fails the revocation (best effort, reported as `failed`),
 * never the deletion itself.
 */
export async function withDeletion<T>(instance: Instance, dataDir: string, work: (deletion: DeletionService) => Promise<T>): Promise<T> {
  let wiring: ProviderSyncWiring | undefined;
  const revokeAtProvider = async (sourceId: string): Promise<string> => {
    try {
      wiring ??= providerSyncWiring(instance, loadServerConfig({ dataDir }));
    } catch {
      return 'failed';
    }
    return wiring.revoke(sourceId);
  };
  try {
    return await work(deletionService(instance, undefined, { revokeAtProvider }));
  } finally {
    await wiring?.close();
  }
}
