/**
 * The outbound client's fetch type (issue 4 shared interface; owner: src/outbound/). Restated here
 * so src/smart builds before the outbound module lands; structurally identical, so the real
 * `outboundClient().fetch` and `globalThis.fetch` both fit. Replace with an import from
 * ../outbound/outbound-client.ts once merged.
 */
export interface OutboundInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  signal?: AbortSignal;
}
export type OutboundFetch = (url: string | URL, init?: OutboundInit) => Promise<Response>;
