import { lookup } from 'node:dns/promises';
import { fetch as undiciFetch, type Response as UndiciResponse } from 'undici';
import { HearthError } from '../errors/hearth-error.ts';
import { refusedAddressReason } from './address-policy.ts';
import { parseAllowlist } from './allowlist.ts';
import { limitedResponse } from './limited-response.ts';
import { type ConnectAttempt, PinnedAgents } from './pinned-agent.ts';
import { type CheckedUrl, UrlRefused, checkUrl } from './url-policy.ts';

/**
 * The one way Hearth's server reaches another server (a provider's FHIR API, its OAuth endpoints,
 * Binary attachments on other hosts). SECURITY.md "Outbound requests to a user-typed FHIR server
 * (SSRF)": https only (http for the owner's allowlist), DNS resolved and every address checked,
 * the socket pinned to a vetted address, every redirect hop checked again (at most 3), a port
 * allowlist, a response size cap and a timeout, and error messages that say nothing but the host.
 */

export interface OutboundInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  signal?: AbortSignal;
  /**
   * 'follow' (default): up to 3 hops, each checked like the first. 'manual': the 3xx response is
   * returned as it is — what oauth4webapi asks for, since OAuth endpoints must not be redirected.
   */
  redirect?: 'follow' | 'manual';
}
/** fetch-shaped: a standard Response, or HearthError 'outbound_refused' (before any connect) / 'outbound_failed' (status 502). */
export type OutboundFetch = (url: string | URL, init?: OutboundInit) => Promise<Response>;
export type Resolver = (host: string) => Promise<{ address: string; family: 4 | 6 }[]>;
export interface OutboundOptions {
  /** Owner allowlist: origins ('http://127.0.0.1:8085') or CIDRs ('192.168.0.0/16'); see allowlist.ts. */
  allowlist?: readonly string[];
  /** Injectable for tests; the default is the system resolver (`dns.lookup`, all addresses). */
  resolver?: Resolver;
  maxResponseBytes?: number;
  /**
   * The deadline for connect, redirects and headers, and then the longest the body may stall
   * between two chunks.
   */
  timeoutMs?: number;
  /** The longest a body may take in all, however steadily it arrives (a large attachment on a slow line). */
  bodyDeadlineMs?: number;
  /** Extra trusted CA certificates (PEM), added to Node's roots: a LAN server's private CA, tests. */
  extraCaCertificates?: readonly string[];
  /** Called before every socket connect (tests count these; nothing else needs it). */
  onConnect?: (attempt: ConnectAttempt) => void;
}
export interface OutboundClient {
  fetch: OutboundFetch;
  /** Ends pooled keep-alive connections (tests, server shutdown). */
  close(): Promise<void>;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** 64 MiB (the size cap) at about 110 KB/s: a slow home line, not a server dripping bytes for ever. */
export const DEFAULT_BODY_DEADLINE_MS = 10 * 60_000;
/** SECURITY.md: re-check every redirect hop, at most 3. */
export const MAX_REDIRECTS = 3;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Fetch §4.4 "HTTP-redirect fetch" step 12: these go when a redirect turns the request into a GET.
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];
// …and credentials meant for one origin are not handed to another (Fetch §4.4 step 13).
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

const systemResolver: Resolver = async (host) => {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

// Generic texts: they name the host at most, never the resolver's answers, the rule hit or a body.
function refused(host: string | undefined, reason: string): HearthError {
  return new HearthError('outbound_refused', host ? `the request to ${host} was refused by Hearth's outbound policy` : "the request was refused by Hearth's outbound policy", [], {
    cause: new Error(reason),
  });
}
function failed(host: string, reason: unknown): HearthError {
  return new HearthError('outbound_failed', `the request to ${host} failed`, [], { cause: reason instanceof Error ? reason : new Error(String(reason)) });
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

export function outboundClient(options: OutboundOptions = {}): OutboundClient {
  const allowlist = parseAllowlist(options.allowlist ?? []);
  const resolver = options.resolver ?? systemResolver;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bodyDeadlineMs = options.bodyDeadlineMs ?? DEFAULT_BODY_DEADLINE_MS;
  const agents = new PinnedAgents({ onConnect: options.onConnect, extraCaCertificates: options.extraCaCertificates });

  /** Steps 1 and 2: the URL, then every address it resolves to; returns the address to connect to. */
  async function vet(input: string | URL, signal: AbortSignal): Promise<{ checked: CheckedUrl; address: string }> {
    let checked: CheckedUrl;
    try {
      checked = checkUrl(input, allowlist);
    } catch (error) {
      if (error instanceof UrlRefused) throw refused(error.host, error.message);
      throw error;
    }
    let addresses: { address: string }[];
    if (checked.literal) addresses = [{ address: checked.host }];
    else {
      try {
        // The deadline covers a slow resolver too (dns.lookup itself cannot be cancelled).
        addresses = await untilAborted(resolver(checked.host), signal);
      } catch (error) {
        throw failed(checked.host, error);
      }
    }
    if (addresses.length === 0) throw failed(checked.host, 'no address');
    // An allowlisted origin is the owner's explicit word for that server, whatever it resolves to.
    if (!checked.allowlistedOrigin) {
      // EVERY address: a name answering one public and one private address could be connected to
      // either (happy eyeballs, retries), so one bad answer refuses the name.
      for (const { address } of addresses) {
        const reason = refusedAddressReason(address, allowlist);
        if (reason !== null) throw refused(checked.host, `${checked.literal ? 'address' : 'resolves to an address'} not allowed: ${reason}`);
      }
    }
    return { checked, address: addresses[0]!.address };
  }

  const fetch: OutboundFetch = async (input, init = {}) => {
    const callerSignal = init.signal;
    // Our deadlines abort this one controller: first the whole way to the final response's headers,
    // then the body's (an idle limit re-armed at every chunk, and a total one).
    const deadline = new AbortController();
    const abortAfter = (ms: number) => {
      const timer = setTimeout(() => deadline.abort(new DOMException('the outbound deadline passed', 'TimeoutError')), ms);
      timer.unref();
      return timer;
    };
    const headersTimer = abortAfter(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal;
    // A cancellation by the caller is theirs to see as such (an AbortError), not a failure of ours.
    const mapError = (host: string) => (error: unknown) => (callerSignal?.aborted ? callerSignal.reason : error instanceof HearthError ? error : failed(host, error));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    const headers = new Headers(init.headers);
    let url: string | URL = input;
    try {
      for (let hop = 0; ; hop++) {
        const { checked, address } = await vet(url, signal).catch((error: unknown) => {
          throw mapError(typeof url === 'string' ? 'the server' : url.hostname)(error);
        });
        let response: UndiciResponse;
        try {
          response = await undiciFetch(checked.url, {
            method,
            headers: [...headers],
            ...(body !== undefined ? { body } : {}),
            redirect: 'manual',
            signal,
            dispatcher: agents.for(checked.url.origin, address),
          });
        } catch (error) {
          throw mapError(checked.host)(error);
        }
        const location = response.headers.get('location');
        if (!REDIRECTS.has(response.status) || location === null || init.redirect === 'manual') {
          clearTimeout(headersTimer);
          const bodyTimer = abortAfter(bodyDeadlineMs);
          let idleTimer = abortAfter(timeoutMs);
          return limitedResponse(response, {
            maxBytes,
            url: checked.url,
            redirected: hop > 0,
            tooLarge: () => failed(checked.host, 'response larger than the cap'),
            mapError: mapError(checked.host),
            onChunk: () => {
              clearTimeout(idleTimer);
              idleTimer = abortAfter(timeoutMs);
            },
            onEnd: () => {
              clearTimeout(idleTimer);
              clearTimeout(bodyTimer);
            },
          });
        }
        await response.body?.cancel().catch(() => {});
        if (hop === MAX_REDIRECTS) throw refused(checked.host, `more than ${MAX_REDIRECTS} redirects`);
        let next: URL;
        try {
          next = new URL(location, checked.url);
        } catch {
          throw refused(checked.host, 'redirect to an invalid URL');
        }
        // Fetch §4.4 step 12: 303 (except HEAD), and 301/302 after a POST, continue as a body-less GET.
        if ((response.status === 303 && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          for (const name of BODY_HEADERS) headers.delete(name);
        }
        if (next.origin !== checked.url.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
        url = next;
      }
    } catch (error) {
      clearTimeout(headersTimer);
      throw error;
    }
  };

  return { fetch, close: () => agents.close() };
}

/** The server's client, from its configuration (`outboundAllowlist`, see config/server-config.ts). */
export function outboundClientFor(config: { outboundAllowlist: readonly string[] }, options: Omit<OutboundOptions, 'allowlist'> = {}): OutboundClient {
  return outboundClient({ ...options, allowlist: config.outboundAllowlist });
}
