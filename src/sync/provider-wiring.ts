import type { Instance } from '../instance/instance.ts';
import { outboundClientFor } from '../outbound/outbound-client.ts';
import { providerSessions } from '../smart/provider-session.ts';
import type { FetchLike, SyncSession } from './fhir-client.ts';

export interface ProviderSyncWiring {
  fetch: FetchLike;
  openSession: (sourceId: string) => SyncSession;
  /** Connections a crash left mid-refresh, now marked 'reconnect_needed' (nothing is sent). */
  recoverInterruptedRefreshes(): string[];
  /** Ends a connection's grant at the provider before it is deleted (RFC 7009; best effort). */
  revoke(sourceId: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * What a sync needs from the rest of Hearth: the guarded outbound client (SECURITY.md SSRF, with the
 * owner's `outboundAllowlist`) and smart's provider sessions (tokens, refresh) over that same client.
 * `hearth serve` and `hearth source sync` both start from here, so both obey the same allowlist.
 */
export function providerSyncWiring(instance: Instance, config: { outboundAllowlist: readonly string[] }): ProviderSyncWiring {
  const outbound = outboundClientFor(config);
  const sessions = providerSessions(instance, outbound.fetch, { allowlist: config.outboundAllowlist });
  return {
    fetch: outbound.fetch,
    openSession: (sourceId) => sessions.open(sourceId),
    recoverInterruptedRefreshes: () => sessions.recoverInterruptedRefreshes(),
    revoke: (sourceId) => sessions.revoke(sourceId),
    close: () => outbound.close(),
  };
}
