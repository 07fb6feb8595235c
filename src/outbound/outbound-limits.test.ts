import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { type OutboundOptions, outboundClient } from './outbound-client.ts';
import type { ConnectAttempt } from './pinned-agent.ts';
import { hearthFailure } from '../../test/helpers/hearth-failure.ts';

// Redirects, the size cap and the timeout, against real servers on 127.0.0.1 (allowlisted origins).
const servers: Server[] = [];
const clients: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  for (const server of servers.splice(0)) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(options: OutboundOptions) {
  const connects: ConnectAttempt[] = [];
  const resolved: string[] = [];
  const made = outboundClient({
    resolver: async (host) => {
      resolved.push(host);
      return [{ address: '93.184.215.14', family: 4 }];
    },
    ...options,
    onConnect: (attempt) => connects.push(attempt),
  });
  clients.push(made);
  return { fetch: made.fetch, connects, resolved };
}


function redirectTo(location: string, status = 302) {
  return (_request: IncomingMessage, response: ServerResponse) => {
    response.statusCode = status;
    response.setHeader('location', location);
    response.end();
  };
}

describe('outbound client: redirects', () => {
  it.each(['https://127.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'https://[::1]:8443/', 'https://metadata.example/'])(
    'refuses a redirect to %s without connecting to it',
    async (location) => {
      const origin = await serve(redirectTo(location));
      const { fetch, connects } = client({
        allowlist: [origin],
        resolver: async () => [{ address: '169.254.169.254', family: 4 }],
      });
      const error = await hearthFailure(fetch(`${origin}/fhir/metadata`));
      expect(error.code).toBe('outbound_refused');
      // Only the allowlisted server was ever connected to.
      expect(connects.map((attempt) => attempt.address)).toEqual(['127.0.0.1']);
    },
  );

  it('follows up to 3 redirects and refuses the 4th', async () => {
    const origin = await serve((request, response) => {
      const left = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('left'));
      if (left > 0) return redirectTo(`/hop?left=${left - 1}`, 307)(request, response);
      response.end('arrived');
    });
    const { fetch } = client({ allowlist: [origin] });
    const response = await fetch(`${origin}/hop?left=3`);
    expect(await response.text()).toBe('arrived');
    expect(response.redirected).toBe(true);
    expect(response.url).toBe(`${origin}/hop?left=0`);
    expect((await hearthFailure(fetch(`${origin}/hop?left=4`))).code).toBe('outbound_refused');
  });

  it("returns the redirect itself when asked for redirect: 'manual' (oauth4webapi)", async () => {
    const origin = await serve(redirectTo('https://127.0.0.1/elsewhere'));
    const { fetch, connects } = client({ allowlist: [origin] });
    const response = await fetch(`${origin}/token`, { method: 'POST', body: 'a=1', redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://127.0.0.1/elsewhere');
    expect(connects).toHaveLength(1);
  });

  it('turns a POST into a GET on 303 and drops Authorization when the origin changes', async () => {
    const seen: { method?: string; authorization?: string; type?: string }[] = [];
    const target = await serve((request, response) => {
      seen.push({ method: request.method, authorization: request.headers.authorization, type: request.headers['content-type'] });
      response.end('done');
    });
    const sameOriginTarget = await serve((request, response) => {
      if (request.url === '/start') return redirectTo('/next', 307)(request, response);
      seen.push({ method: request.method, authorization: request.headers.authorization });
      response.end('same');
    });
    const start = await serve(redirectTo(`${target}/landing`, 303));
    const { fetch } = client({ allowlist: [start, target, sameOriginTarget] });
    const headers = { authorization: 'Bearer secret-token', 'content-type': 'application/x-www-form-urlencoded' };
    expect(await (await fetch(`${start}/token`, { method: 'POST', headers, body: 'a=1' })).text()).toBe('done');
    // 307 within one origin keeps the method and the credentials.
    expect(await (await fetch(`${sameOriginTarget}/start`, { method: 'PUT', headers, body: 'a=1' })).text()).toBe('same');
    expect(seen).toEqual([
      { method: 'GET', authorization: undefined, type: undefined },
      { method: 'PUT', authorization: 'Bearer secret-token' },
    ]);
  });
});

describe('outbound client: size cap and timeout', () => {
  it('fails a response larger than the cap, declared or streamed, with a generic message', async () => {
    const origin = await serve((request, response) => {
      const body = 'x'.repeat(5000);
      if (request.url === '/declared') {
        response.setHeader('content-length', body.length);
        response.end(body);
        return;
      }
      // No length up front: the cap must trip while reading.
      response.write(body.slice(0, 2500));
      setImmediate(() => response.end(body.slice(2500)));
    });
    const { fetch } = client({ allowlist: [origin], maxResponseBytes: 4096 });
    const declared = await hearthFailure(fetch(`${origin}/declared`));
    expect(declared.code).toBe('outbound_failed');
    const streamed = await fetch(`${origin}/streamed`);
    const error = await hearthFailure(streamed.text());
    expect(error.code).toBe('outbound_failed');
    expect(error.status).toBe(502);
    expect(error.message).toBe('the request to 127.0.0.1 failed');
  });

  it('counts the decoded bytes, so a small gzip body cannot expand past the cap', async () => {
    const packed = gzipSync(Buffer.alloc(1_000_000, 0));
    const origin = await serve((_request, response) => {
      response.setHeader('content-encoding', 'gzip');
      response.setHeader('content-length', packed.length);
      response.end(packed);
    });
    expect(packed.length).toBeLessThan(65_536);
    const { fetch } = client({ allowlist: [origin], maxResponseBytes: 65_536 });
    const response = await fetch(origin);
    expect((await hearthFailure(response.arrayBuffer())).code).toBe('outbound_failed');
  });

  it('returns a body within the cap whole', async () => {
    const origin = await serve((_request, response) => response.end('y'.repeat(4096)));
    const { fetch } = client({ allowlist: [origin], maxResponseBytes: 4096 });
    expect((await (await fetch(origin)).text()).length).toBe(4096);
  });

  it('gives up on a server that never answers: outbound_failed', async () => {
    const origin = await serve(() => {
      // Never answers.
    });
    const { fetch } = client({ allowlist: [origin], timeoutMs: 200 });
    const error = await hearthFailure(fetch(`${origin}/slow`));
    expect(error.code).toBe('outbound_failed');
    expect(error.message).toBe('the request to 127.0.0.1 failed');
  });

  it('gives up on a resolver that never answers: outbound_failed, no connect', async () => {
    const { fetch, connects } = client({ timeoutMs: 200, resolver: () => new Promise(() => {}) });
    const error = await hearthFailure(fetch('https://slow-dns.example/'));
    expect(error.code).toBe('outbound_failed');
    expect(error.message).toBe('the request to slow-dns.example failed');
    expect(connects).toEqual([]);
  });

  it('lets a body that keeps arriving outlive the timeout (a large attachment on a slow line), and cuts one that drips for ever at the body deadline', async () => {
    // A chunk every 60 ms: never idle for the 200 ms timeout.
    const drip = (chunks: number) => (_request: IncomingMessage, response: ServerResponse) => {
      let sent = 0;
      const timer = setInterval(() => {
        if (response.destroyed) return clearInterval(timer);
        response.write('x'.repeat(100));
        if (++sent === chunks) {
          clearInterval(timer);
          response.end();
        }
      }, 60);
    };
    const slow = await serve(drip(10));
    const { fetch } = client({ allowlist: [slow], timeoutMs: 200, bodyDeadlineMs: 5_000 });
    // 10 chunks take ~600 ms, three times the timeout: the body still arrives whole.
    expect((await (await fetch(slow)).text()).length).toBe(1000);
    const endless = await serve(drip(Number.POSITIVE_INFINITY));
    const capped = client({ allowlist: [endless], timeoutMs: 200, bodyDeadlineMs: 500 });
    const response = await capped.fetch(endless);
    expect((await hearthFailure(response.text())).code).toBe('outbound_failed');
  });

  it("gives up on a body that stops halfway, and passes the caller's own abort through as such", async () => {
    const origin = await serve((request, response) => {
      response.write('{"resourceType":"Bundle",');
      if (request.url === '/stall') return;
      response.end('}');
    });
    const { fetch } = client({ allowlist: [origin], timeoutMs: 200 });
    const stalled = await fetch(`${origin}/stall`);
    expect((await hearthFailure(stalled.text())).code).toBe('outbound_failed');
    const controller = new AbortController();
    const pending = fetch(`${origin}/stall`, { signal: controller.signal }).then((response) => {
      controller.abort(new Error('sync cancelled'));
      return response.text();
    });
    await expect(pending).rejects.toThrow('sync cancelled');
  });
});
