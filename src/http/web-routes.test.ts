import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../accounts/accounts-service.ts';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { buildServer } from './server.ts';

// Serving the built web app: files, the SPA fallback, caching, and what stays the API's.
const INDEX = '<!doctype html><title>Hearth test build</title>';
const ASSET = 'assets/index-Cgzk6j39.js';

let instance: Awaited<ReturnType<typeof tempInstance>>;
let root: string;
let app: FastifyInstance;
let unbuilt: FastifyInstance;

beforeAll(async () => {
  instance = await tempInstance();
  // With an owner, /api answers its own 404s (before that, 409 setup-required).
  await accountsOf(instance.system).createOwner('owner', 'a long kitchen table');
  root = mkdtempSync(join(tmpdir(), 'hearth-web-'));
  mkdirSync(join(root, 'dist', 'assets'), { recursive: true });
  writeFileSync(join(root, 'dist', 'index.html'), INDEX);
  writeFileSync(join(root, 'dist', ASSET), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'outside the web root');
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] }, { webRoot: join(root, 'dist') });
  unbuilt = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] }, { webRoot: join(root, 'missing') });
});
afterAll(async () => {
  await app.close();
  await unbuilt.close();
  instance.dispose();
  rmSync(root, { recursive: true, force: true });
});

const html = { accept: 'text/html,application/xhtml+xml' };

describe('web app serving', () => {
  it('answers index.html at / and for client-side routes a browser asks for', async () => {
    for (const url of ['/', '/people/p1/records/Observation/o1', '/invite/abc.def', '/settings?x=1', '/no/such/page']) {
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe(INDEX);
      expect(response.headers['content-type'], url).toMatch(/^text\/html/);
      expect(response.headers['cache-control'], url).toBe('no-store');
    }
  });

  it('serves hashed assets as immutable, with the CSP and nosniff', async () => {
    const response = await app.inject({ url: `/${ASSET}` });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('console.log(1)');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(response.headers['content-security-policy']);
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "form-action 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('keeps the API, FHIR and liveness paths out of the fallback', async () => {
    for (const url of ['/api/nothing-here', '/api', '/healthz/x', '/fhir']) {
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode, url).toBe(404);
      expect(response.body, url).not.toContain('Hearth test build');
      expect(response.headers['content-type'], url).toMatch(/json/);
    }
    // Under /fhir the FHIR API answers, routes and 404s alike, as FHIR: never with the app.
    const fhir = await app.inject({ url: '/fhir/p1/Observation/x', headers: html });
    expect(fhir.statusCode).toBe(401);
    expect(fhir.body).not.toContain('Hearth test build');
    const unknown = await app.inject({ url: '/fhir/p1/a/b/c/d/e', headers: html });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().resourceType).toBe('OperationOutcome');
  });

  it('answers 404, not the app, for a missing file that is not a page', async () => {
    for (const accept of ['*/*', 'text/html']) {
      const missing = await app.inject({ url: '/assets/missing-12345678.js', headers: { accept } });
      expect(missing.statusCode).toBe(404);
    }
    const response = await app.inject({ url: '/favicon.ico', headers: { accept: 'image/*' } });
    expect(response.statusCode).toBe(404);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('never serves a file outside the web root', async () => {
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const response = await app.inject({ url, headers: { accept: '*/*' } });
      expect(response.body, url).not.toContain('outside the web root');
    }
  });

  it('says how to build the app when web/dist is missing, and keeps the API working', async () => {
    const response = await unbuilt.inject({ url: '/', headers: html });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('npm run build:web');
    expect((await unbuilt.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
