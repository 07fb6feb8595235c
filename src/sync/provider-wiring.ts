import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { outboundClientFor } from '../outbound/outbound-client.ts';
import type { FetchLike, SyncSession } from './fhir-client.ts';

export interface ProviderSyncWiring {
  fetch: FetchLike;
  openSession: (sourceId: string) => SyncSession;
  close(): Promise<void>;
}

type SessionsModule = { providerSessions(instance: Instance, fetch: FetchLike): { open(sourceId: string): SyncSession } };

/**
 * What a sync needs from the rest of Hearth: the guarded outbound client (SECURITY.md SSRF, with the
 * owner's `outboundAllowlist`) and smart's provider sessions (tokens, refresh). smart's module is
 * loaded by name at run time so this branch stands before it lands; without it a sync fails
 * 'unsupported' with a clear message. (After the merge this can become a static import.)
 */
export async function providerSyncWiring(instance: Instance, config: { outboundAllowlist: readonly string[] }): Promise<ProviderSyncWiring> {
  const outbound = outboundClientFor(config);
  let sessions: { open(sourceId: string): SyncSession } | undefined;
  try {
    const modulePath = '../smart/provider-session.ts';
    const module = (await import(modulePath)) as SessionsModule;
    sessions = module.providerSessions(instance, outbound.fetch);
  } catch {
    sessions = undefined;
  }
  return {
    fetch: outbound.fetch,
    openSession: (sourceId) => {
      if (!sessions) throw new HearthError('unsupported', 'provider connections are not available in this build of Hearth');
      return sessions.open(sourceId);
    },
    close: () => outbound.close(),
  };
}
