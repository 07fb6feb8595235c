import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULT_MAX_UPLOAD_MIB, type ServerConfig } from '../config/server-config.ts';
import { HEARTH_VERSION } from '../version.ts';
import type { Instance } from '../instance/instance.ts';
import { createAuthContext, type AuthOptions } from './auth-context.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { registerCodesRoutes } from './codes-routes.ts';
import { registerDeletionRoutes } from './deletion-routes.ts';
import { registerBackupRoutes } from './backup-routes.ts';
import { backupScheduler, type BackupScheduler } from '../backup/backup-scheduler.ts';
import { loadBackupConfig } from '../backup/backup-config.ts';
import { registerDirectoryRoutes } from './directory-routes.ts';
import { registerExportRoutes } from './export-routes.ts';
import { registerFhirApi } from './fhir/index.ts';
import { registerHealthRoutes } from './health-routes.ts';
import { registerImportRoutes } from './import-routes.ts';
import { registerInviteRoutes } from './invite-routes.ts';
import { registerPeopleRoutes } from './people-routes.ts';
import { registerPrivacyRoutes } from './privacy-routes.ts';
import { registerSecurityHooks } from './security-hooks.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { registerSmartRoutes } from './smart-routes.ts';
import type { OutboundFetch } from '../smart/outbound-types.ts';
import { outboundClient } from '../outbound/outbound-client.ts';
import { providerSessions } from '../smart/provider-session.ts';
import { registerSyncRoutes, type SyncRoutesOptions } from './sync-routes.ts';
import { registerTotpRoutes } from './totp-routes.ts';
import { registerWebRoutes, webAppFallback } from './web-routes.ts';

/**
 * No inline or third-party scripts (SECURITY.md). Inline *styles* are allowed: Mantine sets style
 * attributes and its theme variables in a <style> element; images may be data: URLs (icons).
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** One year, per RFC 6797 practice; only ever sent over HTTPS. */
const HSTS = 'max-age=31536000; includeSubDomains';

export interface BuildServerOptions {
  /** Session timeouts, the login limiter and the clock (tests shorten them). */
  auth?: AuthOptions;
  /** The built web app (default web/dist); tests point it elsewhere. */
  webRoot?: string;
  /** Upload imports: records per batch (tests make it small). */
  imports?: { batchSize?: number };
  /** The backup schedule (`hearth serve` starts it); without one, the routes use an unstarted one. */
  backups?: BackupScheduler;
  /** Provider syncs: the session opener (smart), the guarded fetch (outbound), auto-start in `hearth serve`. */
  sync?: SyncRoutesOptions;
  /** Told of every route as it is registered (the header-coverage test walks them all). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
  /** Provider connections: the guarded outbound fetch and the owner's http allowlist (tests: the test provider's origins). */
  smart?: { fetch?: OutboundFetch; allowlist?: readonly string[] };
}

/** The session timeouts and login limit of the server configuration, as buildServer's auth options. */
export function authOptionsOf(config: Pick<ServerConfig, 'sessionIdleMinutes' | 'sessionAbsoluteHours' | 'maxFailedLoginsPerHour'>): AuthOptions {
  return {
    idleTimeoutMs: config.sessionIdleMinutes * 60_000,
    absoluteTimeoutMs: config.sessionAbsoluteHours * 60 * 60_000,
    maxFailuresPerHour: config.maxFailedLoginsPerHour,
  };
}

/**
 * The HTTP server: liveness at /healthz, setup, sign-in, sessions and upload imports under /api, the
 * FHIR API under /fhir, the web app at /; every response carries the baseline security headers
 * (SECURITY.md).
 */
export function buildServer(
  instance: Instance,
  config: Pick<ServerConfig, 'logLevel' | 'tls' | 'trustedProxies'> & Partial<Pick<ServerConfig, 'maxUploadMiB' | 'publicUrl' | 'outboundAllowlist'>>,
  options: BuildServerOptions = {},
): FastifyInstance {
  const app = Fastify({
    // Random request ids: they go into the audit trail, where "req-1" of every restart would collide.
    genReqId: () => randomUUID(),
    bodyLimit: 1_048_576,
    // Fastify's default strips unknown body fields silently; a misspelt field must be an error instead.
    ajv: { customOptions: { removeAdditional: false } },
    // Behind a reverse proxy, X-Forwarded-* is believed only from the configured addresses.
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    ...(config.tls ? { https: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } } : {}),
    logger: {
      level: config.logLevel,
      // Logs never hold health data: a request is logged by its route pattern (no ids, no query
      // string), never its URL, headers or body.
      serializers: {
        req: (request) => ({ method: request.method, route: request.routeOptions?.url ?? 'unknown', id: request.id }),
        res: (reply) => ({ status: reply.statusCode }),
      },
    },
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Content-Security-Policy', CSP);
    reply.header('Cache-Control', 'no-store');
    if (config.tls) reply.header('Strict-Transport-Security', HSTS);
  });
  if (options.onRoute) {
    const observe = options.onRoute;
    app.addHook('onRoute', (route) => observe({ method: route.method, url: route.url }));
  }
  const auth = createAuthContext(instance, options.auth);
  void app.register(fastifyCookie);
  registerSecurityHooks(app, auth.ownerExists, webAppFallback(options.webRoot));
  registerAuthRoutes(app, auth);
  registerSessionRoutes(app, auth);
  registerTotpRoutes(app, auth);
  registerPeopleRoutes(app, auth);
  registerInviteRoutes(app, auth);
  registerDirectoryRoutes(app, auth, instance.paths.root);
  registerFhirApi(app, instance, auth);
  registerHealthRoutes(app, instance, auth);
  registerCodesRoutes(app, auth);
  registerExportRoutes(app, auth, instance);
  const backups = options.backups ?? backupScheduler({ instance, config: loadBackupConfig(instance.paths.root) });
  registerBackupRoutes(app, auth, backups);
  registerImportRoutes(app, auth, instance, { maxUploadMiB: config.maxUploadMiB ?? DEFAULT_MAX_UPLOAD_MIB, ...options.imports });
  const allowlist = options.smart?.allowlist ?? config.outboundAllowlist ?? [];
  // Every request to a provider (discovery, token, JWKS, FHIR, revocation) goes through the
  // SSRF-guarded client; connections and syncs share it and smart's sessions unless a test passes its own.
  const outbound = options.smart?.fetch ? undefined : outboundClient({ allowlist });
  if (outbound) app.addHook('onClose', async () => outbound.close());
  const fetch = options.smart?.fetch ?? outbound!.fetch;
  const sessions = providerSessions(instance, fetch, { allowlist });
  registerDeletionRoutes(app, auth, instance, { ...(backups.afterPersonDeleted ? { afterPersonDeleted: backups.afterPersonDeleted } : {}), revokeAtProvider: sessions.revoke });
  registerPrivacyRoutes(app, auth, instance);
  const syncs = registerSyncRoutes(app, auth, instance, { openSession: (sourceId) => sessions.open(sourceId), fetch, ...options.sync });
  registerSmartRoutes(app, auth, instance, {
    fetch,
    publicUrl: config.publicUrl ?? 'http://127.0.0.1:7070',
    allowlist,
    onConnected: syncs.afterConnect,
  });
  app.get('/healthz', async () => {
    // Touches the system database so a broken key or disk shows up here, not at first use.
    instance.system.prepare('SELECT 1').get();
    return { status: 'ok', version: HEARTH_VERSION };
  });
  registerWebRoutes(app, options.webRoot);
  return app;
}
