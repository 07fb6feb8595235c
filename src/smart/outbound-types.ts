/** The guarded outbound client's fetch (src/outbound/), the only way src/smart/ reaches a provider. */
export type { OutboundFetch, OutboundInit } from '../outbound/outbound-client.ts';
