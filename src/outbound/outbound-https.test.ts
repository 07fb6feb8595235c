import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundClient } from './outbound-client.ts';
import type { ConnectAttempt } from './pinned-agent.ts';
import { hearthFailure } from '../../test/helpers/hearth-failure.ts';

// The production path: https to a name, the socket pinned to the vetted address, and TLS still
// verifying the certificate against the name (SNI), not against the address connected to.
let server: Server;
let port: number;
let cert: string;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hearth-outbound-tls-'));
  // A throwaway self-signed certificate for the name fhir.test, made with the openssl tool (as test/https.test.ts does).
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=fhir.test', '-addext', 'subjectAltName=DNS:fhir.test', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem')]);
  expect(made.status, `openssl is needed for this test: ${made.stderr}`).toBe(0);
  cert = readFileSync(join(work, 'cert.pem'), 'utf8');
  server = createServer({ cert, key: readFileSync(join(work, 'key.pem')) }, (request, response) => {
    response.end(JSON.stringify({ host: request.headers.host, sni: (request.socket as { servername?: string }).servername }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(work, { recursive: true, force: true });
});

function client(extraCaCertificates?: string[]) {
  const connects: ConnectAttempt[] = [];
  // `.test` names never resolve in real DNS: every answer here comes from the injected resolver.
  const made = outboundClient({
    allowlist: [`https://fhir.test:${port}`, `https://other.test:${port}`],
    resolver: async () => [{ address: '127.0.0.1', family: 4 }],
    ...(extraCaCertificates ? { extraCaCertificates } : {}),
    onConnect: (attempt) => connects.push(attempt),
  });
  return { made, connects };
}


/** The `code`s along an error's cause chain (undici: TypeError 'fetch failed' → the TLS error). */
function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let at = error as { cause?: unknown; code?: unknown } | undefined; at; at = at.cause as typeof at) if (typeof at.code === 'string') codes.push(at.code);
  return codes;
}

describe('outbound client over https', () => {
  it('connects to the vetted address while SNI, Host and the certificate check use the name', async () => {
    const { made, connects } = client([cert]);
    try {
      const response = await made.fetch(`https://fhir.test:${port}/fhir/r4/metadata`);
      expect(await response.json()).toEqual({ host: `fhir.test:${port}`, sni: 'fhir.test' });
      expect(connects).toEqual([{ host: 'fhir.test', address: '127.0.0.1', port }]);
    } finally {
      await made.close();
    }
  });

  it('fails when the certificate does not name the host, or is not trusted', async () => {
    const trusted = client([cert]);
    const untrusted = client();
    try {
      const wrongName = await hearthFailure(trusted.made.fetch(`https://other.test:${port}/`));
      expect(wrongName.code).toBe('outbound_failed');
      expect(wrongName.message).toBe('the request to other.test failed');
      expect(causeCodes(wrongName)).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
      expect((await hearthFailure(untrusted.made.fetch(`https://fhir.test:${port}/`))).code).toBe('outbound_failed');
    } finally {
      await Promise.all([trusted.made.close(), untrusted.made.close()]);
    }
  });
});
