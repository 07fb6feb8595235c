import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { afterEach, describe, expect, it } from 'vitest';
import { type OutboundOptions, type Resolver, outboundClient, outboundClientFor } from './outbound-client.ts';
import type { ConnectAttempt } from './pinned-agent.ts';
import { hearthFailure } from '../../test/helpers/hearth-failure.ts';

// A real HTTP server on 127.0.0.1; the client reaches it only because its origin is allowlisted.
const servers: Server[] = [];
const clients: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ origin: string; port: number }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, port };
}

/** A client whose resolver and socket connects are counted: refusals must happen before either. */
function counted(options: OutboundOptions & { answers?: (host: string, call: number) => string[] } = {}) {
  const resolved: string[] = [];
  const connects: ConnectAttempt[] = [];
  const resolver: Resolver = async (host) => {
    resolved.push(host);
    const answers = options.answers?.(host, resolved.length) ?? ['93.184.215.14'];
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const client = outboundClient({ resolver, ...options, onConnect: (attempt) => connects.push(attempt) });
  clients.push(client);
  return { client, resolved, connects };
}


describe('outbound client: refused before any connect (SECURITY.md vectors)', () => {
  // The list in SECURITY.md "Outbound requests to a user-typed FHIR server (SSRF)", plus neighbours.
  const vectors = [
    'http://169.254.169.254/',
    'http://[fd00:ec2::254]/',
    'https://127.0.0.1/',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0177.0.0.1/',
    'https://127.1/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[64:ff9b::7f00:1]/',
    'https://0.0.0.0/',
    'https://localhost./',
    'https://foo.localhost/',
    'https://10.0.0.1/',
    'https://172.16.0.1/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://[fc00::1]/',
    'https://[fe80::1%25eth0]/',
    'https://224.0.0.1/',
    'file:///etc/passwd',
    'gopher://x/',
    'data:,x',
    'http://public.example/',
    'https://user@127.0.0.1/',
    // neighbours: the same targets over https, other special ranges, ports, spellings
    'https://169.254.169.254/',
    'https://[fd00:ec2::254]/',
    'https://localhost/',
    'https://LOCALHOST/',
    'https://public.example./',
    'https://[fe80::1]/',
    'https://[::]/',
    'https://[::127.0.0.1]/',
    'https://[2002:7f00:1::]/',
    'https://[2001::1]/',
    'https://[2001:db8::1]/',
    'https://[ff02::1]/',
    'https://192.0.2.1/',
    'https://255.255.255.255/',
    'https://240.0.0.1/',
    'https://public.example:8080/',
    'https://public.example:22/',
    'https://user:secret@public.example/',
    'ftp://public.example/',
    'not a url',
  ];

  it.each(vectors)('%s', async (url) => {
    const { client, connects } = counted();
    const error = await hearthFailure(client.fetch(url));
    expect(error.code).toBe('outbound_refused');
    expect(error.status).toBe(502);
    expect(connects).toEqual([]);
  });

  it('refuses a name whose resolver answer is 127.0.0.1, naming only the host', async () => {
    const { client, resolved, connects } = counted({ answers: () => ['127.0.0.1'] });
    const error = await hearthFailure(client.fetch('https://fhir.example.org/r4/metadata'));
    expect(error.code).toBe('outbound_refused');
    expect(resolved).toEqual(['fhir.example.org']);
    expect(connects).toEqual([]);
    expect(error.message).toContain('fhir.example.org');
    expect(error.message).not.toContain('127.0.0.1');
  });

  it('refuses a name answering one public and one private address', async () => {
    const { client, connects } = counted({ answers: () => ['93.184.215.14', '10.1.2.3'] });
    expect((await hearthFailure(client.fetch('https://fhir.example.org/'))).code).toBe('outbound_refused');
    const v6 = counted({ answers: () => ['2606:4700::1111', '::ffff:169.254.169.254'] });
    expect((await hearthFailure(v6.client.fetch('https://fhir.example.org/'))).code).toBe('outbound_refused');
    expect([...connects, ...v6.connects]).toEqual([]);
  });

  it('only lets an allowlisted origin use http, and only that exact origin', async () => {
    const { client, connects, resolved } = counted({ allowlist: ['http://fhir.clinic.lan:8080'], answers: () => ['192.168.1.5'] });
    // Same host, another port or scheme: not the allowlisted origin, so the address rule applies.
    expect((await hearthFailure(client.fetch('http://fhir.clinic.lan:8081/'))).code).toBe('outbound_refused');
    expect((await hearthFailure(client.fetch('https://fhir.clinic.lan/'))).code).toBe('outbound_refused');
    expect(connects).toEqual([]);
    expect(resolved).toEqual(['fhir.clinic.lan']);
  });

  it('a resolver failure is a generic outbound_failed', async () => {
    const client = outboundClient({
      resolver: async () => {
        throw new Error('getaddrinfo ENOTFOUND internal-dns-detail');
      },
    });
    clients.push(client);
    const error = await hearthFailure(client.fetch('https://fhir.example.org/'));
    expect(error.code).toBe('outbound_failed');
    expect(error.message).not.toContain('internal-dns-detail');
  });
});

describe('outbound client: allowed requests', () => {
  it('fetches JSON from an allowlisted http origin, connecting to the vetted address', async () => {
    const { origin, port } = await serve((request, response) => {
      response.setHeader('content-type', 'application/fhir+json');
      response.end(JSON.stringify({ resourceType: 'CapabilityStatement', method: request.method, accept: request.headers.accept }));
    });
    const { client, connects } = counted({ allowlist: [origin] });
    const response = await client.fetch(`${origin}/fhir/metadata`, { headers: { accept: 'application/fhir+json' } });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${origin}/fhir/metadata`);
    expect(await response.json()).toEqual({ resourceType: 'CapabilityStatement', method: 'GET', accept: 'application/fhir+json' });
    expect(connects).toEqual([{ host: '127.0.0.1', address: '127.0.0.1', port }]);
  });

  it('connects to the address it vetted, never to a second answer (DNS rebinding)', async () => {
    // Stand-in for "public": the allowlisted origin lets the loopback test server count as vetted.
    // The resolver answers it first and an address the test never listens on afterwards; a client
    // that resolved again when connecting would fail or hit that second address. `.test` names do
    // not exist in real DNS (RFC 6761 §6.2), so success also shows the system resolver was not used.
    const { port } = await serve((_request, response) => response.end('pinned'));
    const origin = `http://rebind.test:${port}`;
    const { client, resolved, connects } = counted({ allowlist: [origin], answers: (_host, call) => [call === 1 ? '127.0.0.1' : '127.0.0.2'] });
    const response = await client.fetch(`${origin}/`);
    expect(await response.text()).toBe('pinned');
    expect(resolved).toEqual(['rebind.test']);
    expect(connects).toEqual([{ host: 'rebind.test', address: '127.0.0.1', port }]);
  });

  it('sends a form body and hands the Host header the original name', async () => {
    const { port } = await serve((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => response.end(JSON.stringify({ host: request.headers.host, type: request.headers['content-type'], text })));
    });
    const origin = `http://token.test:${port}`;
    const { client } = counted({ allowlist: [origin], answers: () => ['127.0.0.1'] });
    const response = await client.fetch(`${origin}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token' }) });
    expect(await response.json()).toEqual({ host: `token.test:${port}`, type: 'application/x-www-form-urlencoded;charset=UTF-8', text: 'grant_type=refresh_token' });
  });

  it("is oauth4webapi's customFetch: discovery through it, Response accepted as standard", async () => {
    const { origin } = await serve((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ issuer: origin, token_endpoint: `${origin}/token`, path: request.url }));
    });
    const { client, connects } = counted({ allowlist: [origin] });
    const issuer = new URL(origin);
    // http is only for this test server; the allowlist, not oauth4webapi, is what permits it.
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.customFetch]: client.fetch, [oauth.allowInsecureRequests]: true });
    const metadata = await oauth.processDiscoveryResponse(issuer, response);
    expect(metadata.token_endpoint).toBe(`${origin}/token`);
    expect(metadata.path).toBe('/.well-known/oauth-authorization-server');
    expect(connects).toHaveLength(1);
  });

  it('outboundClientFor takes the allowlist from the server configuration', async () => {
    const { origin } = await serve((_request, response) => response.end('ok'));
    const client = outboundClientFor({ outboundAllowlist: [origin] });
    clients.push(client);
    expect(await (await client.fetch(origin)).text()).toBe('ok');
    expect((await hearthFailure(outboundClientFor({ outboundAllowlist: [] }).fetch(origin))).code).toBe('outbound_refused');
  });
});
