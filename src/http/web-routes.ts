import { existsSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HEARTH_VERSION } from '../version.ts';

/** Where `npm run build:web` (Vite) writes the web app. */
export const WEB_DIST = resolve(import.meta.dirname, '..', '..', 'web', 'dist');

/** Vite names built assets `<name>-<content hash>.<ext>` under /assets/: their content never changes. */
const HASHED_ASSET = /^\/assets\/[\w.-]+-[\w-]{8,}\.(?:js|css|woff2?|svg|png|ico)$/;
/** Paths the web app never answers: the JSON API, the FHIR API and liveness keep their own 404s. */
const NOT_THE_APP = /^\/(?:api|fhir|healthz)(?:\/|$)/;

const pathOf = (request: FastifyRequest) => request.url.split('?', 1)[0]!;

/** A request path → a file inside `root`, or undefined (traversal, directories and misses alike). */
function fileIn(root: string, path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = resolve(root, `.${decoded}`);
  if (!file.startsWith(root + sep)) return undefined;
  try {
    return statSync(file).isFile() ? file.slice(root.length + 1) : undefined;
  } catch {
    return undefined;
  }
}

const wantsHtml = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html');

/**
 * The web app: files of `web/dist` at `/`, and index.html for any other page a browser asks for
 * (client-side routes such as /people/<id>/records or /invite/<token>). Without a build the server
 * still runs and `/` says how to make one.
 */
export function registerWebRoutes(app: FastifyInstance, root: string = WEB_DIST): void {
  void app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false });
    // Runs after the server-wide onSend (a child scope's hooks come last), which sets no-store:
    // only content-hashed assets may be cached, since a new build gives them new names.
    scope.addHook('onSend', async (request, reply) => {
      if (reply.statusCode === 200 && HASHED_ASSET.test(pathOf(request))) reply.header('Cache-Control', 'public, max-age=31536000, immutable');
    });
    scope.get('/*', async (request, reply) => serve(root, request, reply));
  });
}

async function serve(root: string, request: FastifyRequest, reply: FastifyReply) {
  const path = pathOf(request);
  if (NOT_THE_APP.test(path)) return reply.callNotFound();
  const built = existsSync(join(root, 'index.html'));
  const file = built && path !== '/' ? fileIn(root, path) : undefined;
  if (file) return reply.sendFile(file, root);
  if (path !== '/' && !wantsHtml(request)) return reply.callNotFound();
  if (!built) {
    return reply
      .type('text/plain; charset=utf-8')
      .send(`Hearth ${HEARTH_VERSION} is running, but the web app is not built: run "npm run build:web" (or start with "npm start", which builds it).\n`);
  }
  return reply.sendFile('index.html', root);
}
