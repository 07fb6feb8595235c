import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { registerSecurityHooks } from '../src/http/security-hooks.ts';
import { outboundClient } from '../src/outbound/outbound-client.ts';

// How an outbound refusal reaches the web app: the JSON API's one error shape, status 502, the
// generic message (host at most) rather than 'internal error', and nothing of the rule that hit.
const app = Fastify({ logger: false });
registerSecurityHooks(app, () => true);
const client = outboundClient({ resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
app.get('/api/try', async (request) => {
  const url = (request.query as { url: string }).url;
  await client.fetch(url);
  return { ok: true };
});
app.get('/api/boom', async () => {
  throw new Error('a bug with details');
});
afterAll(async () => {
  await client.close();
  await app.close();
});

describe('outbound errors over the JSON API', () => {
  it('answers 502 with the generic message', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/try?url=${encodeURIComponent('https://fhir.example.org/r4/Patient/abc')}` });
    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual({ error: { code: 'outbound_refused', message: "the request to fhir.example.org was refused by Hearth's outbound policy" } });
    expect(response.body).not.toContain('127.0.0.1');
    expect(response.body).not.toContain('Patient/abc');
  });

  it('still hides other server errors', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/boom' });
    expect(response.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });
});
