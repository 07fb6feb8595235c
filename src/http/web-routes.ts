import { existsSync, readFileSync, statSync } from 'node:fs';
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

const NOT_BUILT = `Hearth ${HEARTH_VERSION} is running, but the web app is not built: run "npm run build:web" (or start with "npm start", which builds it).\n`;

/** index.html, or (no build yet) a page saying how to make one. Read per request: a rebuild needs no restart. */
function sendIndex(root: string, reply: FastifyReply): FastifyReply {
  const index = join(root, 'index.html');
  if (!existsSync(index)) return reply.code(200).type('text/plain; charset=utf-8').send(NOT_BUILT);
  return reply.code(200).type('text/html; charset=utf-8').send(readFileSync(index));
}

/**
 * The web app's files: `/` and the bundle under `/assets/`. Other pages of the app (client-side
 * routes such as /people/<id>/records or /invite/<token>) come from {@link webAppFallback}.
 */
export function registerWebRoutes(app: FastifyInstance, root: string = WEB_DIST): void {
  void app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false });
    // Runs after the server-wide onSend (a child scope's hooks come last), which sets no-store:
    // only content-hashed assets may be cached, since a new build gives them new names.
    scope.addHook('onSend', async (request, reply) => {
      if (reply.statusCode === 200 && HASHED_ASSET.test(pathOf(request))) reply.header('Cache-Control', 'public, max-age=31536000, immutable');
    });
    scope.get('/', async (_request, reply) => sendIndex(root, reply));
    scope.get('/assets/*', async (request, reply) => {
      const file = fileIn(root, pathOf(request));
      return file ? reply.sendFile(file, root) : reply.callNotFound();
    });
  });
}

/**
 * For the server's not-found handler: a GET for an HTML page outside /api, /fhir and /healthz is a
 * page of the app, answered with index.html (true); anything else stays a 404 (false). Being the
 * not-found path keeps each prefix's own 404 (FHIR's OperationOutcome under /fhir) intact.
 */
export function webAppFallback(root: string = WEB_DIST) {
  return (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = pathOf(request);
    if (NOT_THE_APP.test(path) || path.startsWith('/assets/') || !wantsHtml(request)) return false;
    sendIndex(root, reply);
    return true;
  };
}
