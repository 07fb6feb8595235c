import type { LookupAddress } from 'node:dns';
import { rootCertificates } from 'node:tls';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';

/**
 * Connections that can only go to an address the policy vetted (the DNS-rebinding defence of
 * SECURITY.md "Outbound requests"): checking a name's addresses and then letting the socket resolve
 * the name again would let a hostile DNS server answer a public address to the check and 127.0.0.1
 * to the connect. Each undici Agent here is bound to one (origin, vetted address): its `lookup`
 * answers that address whatever the name, TLS still sends the original name as SNI and verifies the
 * certificate against it, and the connected socket's peer is compared with the vetted address.
 */

export interface ConnectAttempt {
  /** The URL's host (a name or an IP literal). */
  host: string;
  /** The vetted address the socket is pinned to. */
  address: string;
  port: number;
}

function sameAddress(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  try {
    return ipaddr.process(a).toString() === ipaddr.process(b).toString();
  } catch {
    return false;
  }
}

export interface PinnedAgentOptions {
  onConnect?: ((attempt: ConnectAttempt) => void) | undefined;
  extraCaCertificates?: readonly string[] | undefined;
}

function pinnedConnector(address: string, { onConnect, extraCaCertificates }: PinnedAgentOptions): buildConnector.connector {
  const family = ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4;
  // Node's net.connect asks with `all: true` when it may try several families (autoSelectFamily).
  const lookup = (_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address, family } satisfies LookupAddress]);
    else callback(null, address, family);
  };
  // Node's `ca` replaces its bundled roots, so extra certificates are added to them, not instead.
  const ca = extraCaCertificates?.length ? { ca: [...rootCertificates, ...extraCaCertificates] } : {};
  const base = buildConnector({ lookup: lookup as never, timeout: 10_000, ...ca });
  return (options, callback) => {
    const host = options.hostname.startsWith('[') ? options.hostname.slice(1, -1) : options.hostname;
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    onConnect?.({ host, address, port });
    base(options, (error, socket) => {
      if (error !== null) return callback(error, null);
      // Belt and braces: an IP literal host never goes through `lookup`, and a future change in
      // how undici or Node connect must not silently unpin.
      if (!sameAddress(socket.remoteAddress, address)) {
        socket.destroy();
        return callback(new Error('connected peer is not the vetted address'), null);
      }
      callback(null, socket);
    });
  };
}

/** undici Agents keyed by origin and pinned address, so keep-alive connections are reused safely. */
export class PinnedAgents {
  readonly #agents = new Map<string, Agent>();
  readonly #options: PinnedAgentOptions;
  readonly #max: number;

  constructor(options: PinnedAgentOptions = {}, max = 32) {
    this.#options = options;
    this.#max = max;
  }

  for(origin: string, address: string): Agent {
    const key = `${origin} ${address}`;
    let agent = this.#agents.get(key);
    if (agent !== undefined) {
      // Most recently used last, so the oldest is the first to go.
      this.#agents.delete(key);
      this.#agents.set(key, agent);
      return agent;
    }
    agent = new Agent({ connect: pinnedConnector(address, this.#options) });
    this.#agents.set(key, agent);
    if (this.#agents.size > this.#max) {
      const [oldestKey, oldest] = this.#agents.entries().next().value as [string, Agent];
      this.#agents.delete(oldestKey);
      // close() lets requests in flight finish, then ends the idle connections.
      void oldest.close().catch(() => {});
    }
    return agent;
  }

  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map((agent) => agent.close().catch(() => {})));
  }
}
