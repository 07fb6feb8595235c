import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import type { SmartRouteOptions } from './smart-routes.ts';
import type { FetchLike, SyncSession } from '../sync/fhir-client.ts';
import { syncJobs, type SyncEvent, type SyncJobsOptions, type SyncRequester } from '../sync/sync-jobs.ts';
import { requireSignedIn, type AuthContext } from './auth-context.ts';

export interface SyncRoutesOptions {
  /** smart's `providerSessions(instance, fetch).open`; without it a sync fails 'unsupported'. */
  openSession?: (sourceId: string) => SyncSession;
  /** The guarded outbound client's fetch; without it nothing is fetched. */
  fetch?: FetchLike;
  retry?: SyncJobsOptions['retry'];
  /** `hearth serve`: resume jobs a killed process left, and run the schedule. */
  autoStart?: boolean;
}

type SourceParams = { personId: string; sourceId: string };

const requesterOf = (accountId: string, request: FastifyRequest): SyncRequester => ({
  actor: { kind: 'account', accountId },
  auditActor: accountId,
  sourceAddress: request.ip,
  requestId: String(request.id),
});

const notConfigured = (what: string) => () => {
  throw new HearthError('unsupported', `provider syncs are not available on this server (${what} missing)`);
};

/** A server-sent event (WHATWG HTML §9.2): one JSON line of PHI-free job state. */
const sse = (event: SyncEvent): string => `event: ${event.kind}\ndata: ${JSON.stringify(event.kind === 'progress' ? { jobId: event.jobId, ...event.progress } : event.job)}\n\n`;

/**
 * Provider syncs over HTTP (issue 4 §5): start (202 with the job), cancel, status for polling,
 * history, and live progress as server-sent events. Starting or cancelling needs 'write', watching
 * 'read'; another person's source is the same 404 as a missing one.
 */
/** Registers the sync routes; answers the hook that starts a source's first sync once it is connected. */
export function registerSyncRoutes(app: FastifyInstance, context: AuthContext, instance: Instance, options: SyncRoutesOptions = {}): { afterConnect: NonNullable<SmartRouteOptions['onConnected']> } {
  const jobs = syncJobs({
    instance,
    access: context.access,
    openSession: options.openSession ?? notConfigured('provider connections'),
    fetch: options.fetch ?? (notConfigured('outbound client') as FetchLike),
    ...(options.retry ? { retry: options.retry } : {}),
    onInternalError: (error) => app.log.error({ errorName: (error as Error)?.name }, 'sync job failed'),
  });
  const streams = new Set<PassThrough>();
  context.lifecycle.onRelease(async (personId) => jobs.release(personId));
  app.addHook('onClose', async () => {
    for (const stream of streams) stream.end();
    await jobs.close();
  });
  if (options.autoStart) {
    app.addHook('onReady', async () => {
      jobs.resumeUnfinished();
      jobs.startScheduler();
    });
  }

  app.post<{ Params: SourceParams }>('/api/people/:personId/sources/:sourceId/sync', async (request, reply) => {
    const { account } = requireSignedIn(context, request);
    const job = jobs.start(requesterOf(account.id, request), request.params.personId, request.params.sourceId, 'manual');
    return reply.code(202).send({ job });
  });

  app.post<{ Params: SourceParams }>('/api/people/:personId/sources/:sourceId/sync/cancel', async (request) => {
    const { account } = requireSignedIn(context, request);
    return { job: (jobs.cancel(requesterOf(account.id, request), request.params.personId, request.params.sourceId)) ?? null };
  });

  app.get<{ Params: SourceParams }>('/api/people/:personId/sources/:sourceId/sync', async (request) => {
    const { account } = requireSignedIn(context, request);
    return jobs.status(requesterOf(account.id, request), request.params.personId, request.params.sourceId);
  });

  const SCHEDULE_SCHEMA = {
    type: 'object',
    required: ['intervalHours'],
    additionalProperties: false,
    properties: { intervalHours: { type: 'integer' } },
  } as const;
  app.put<{ Params: SourceParams; Body: { intervalHours: number } }>('/api/people/:personId/sources/:sourceId/schedule', { schema: { body: SCHEDULE_SCHEMA } }, async (request) => {
    const { account } = requireSignedIn(context, request);
    return { schedule: jobs.setInterval(requesterOf(account.id, request), request.params.personId, request.params.sourceId, request.body.intervalHours) };
  });

  app.get<{ Params: SourceParams }>('/api/people/:personId/sources/:sourceId/syncs', async (request) => {
    const { account } = requireSignedIn(context, request);
    return { syncs: jobs.history(requesterOf(account.id, request), request.params.personId, request.params.sourceId) };
  });

  app.get<{ Params: SourceParams }>('/api/people/:personId/sources/:sourceId/sync/events', async (request, reply) => {
    const { account } = requireSignedIn(context, request);
    // Access first ('read'); the current state is the first event.
    const status = jobs.status(requesterOf(account.id, request), request.params.personId, request.params.sourceId);
    const stream = new PassThrough();
    streams.add(stream);
    // Node sends the headers with the first bytes: a comment at once lets the client see the stream open.
    stream.write(': connected\n\n');
    if (status.job) stream.write(sse({ kind: 'started', job: status.job }).replace('event: started', 'event: status'));
    const unsubscribe = jobs.subscribe(request.params.sourceId, (event) => stream.write(sse(event)));
    // A comment line now and then keeps proxies from closing an idle stream.
    const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), 25_000);
    heartbeat.unref();
    const stop = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(stream);
      stream.end();
    };
    request.raw.on('close', stop);
    stream.on('close', stop);
    // Sent through reply.send so the security headers hook (server.ts onSend) applies.
    return reply.type('text/event-stream; charset=utf-8').header('X-Accel-Buffering', 'no').send(stream);
  });

  return {
    // A new connection syncs at once; a failure to start (a sync already running) is not the
    // connection's failure, so it is only logged.
    afterConnect: ({ personId, sourceId, accountId, sourceAddress, requestId }) => {
      const requester: SyncRequester = accountId
        ? { actor: { kind: 'account', accountId }, auditActor: accountId, sourceAddress, requestId }
        : { actor: { kind: 'cli' }, auditActor: 'cli', sourceAddress, requestId };
      try {
        jobs.start(requester, personId, sourceId, 'connect');
      } catch (error) {
        app.log.warn({ errorName: (error as Error)?.name }, 'first sync after connecting did not start');
      }
    },
  };
}
