import Fastify, { type FastifyInstance } from 'fastify';
import { HEARTH_VERSION } from '../version.ts';
import type { Instance } from '../instance/instance.ts';

/**
 * The HTTP server. For now: liveness at /healthz. The web app, accounts and the FHIR API come with
 * the server issue; every response already carries the baseline security headers.
 */
export function buildServer(instance: Instance): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Content-Security-Policy', "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    reply.header('Cache-Control', 'no-store');
  });
  app.get('/healthz', async () => {
    // Touches the system database so a broken key or disk shows up here, not at first use.
    instance.system.prepare('SELECT 1').get();
    return { status: 'ok', version: HEARTH_VERSION };
  });
  app.get('/', async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send(`Hearth ${HEARTH_VERSION} is running. The web app arrives in a later release; use the hearth CLI meanwhile.\n`),
  );
  return app;
}
