import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../access/access.ts';
import { HearthError, isHearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { readCapped } from '../import/readers/streams.ts';
import { requireSignedIn, type AuthContext } from './auth-context.ts';
import { importJobs, type ImportJobsOptions } from './import-jobs.ts';
import { busyWithImports } from '../deletion/person-lifecycle.ts';

/**
 * Import over HTTP: `POST /api/people/:personId/imports?filename=…` takes the raw file bytes
 * (`application/octet-stream`) and answers 202 with a job at once; the import runs in the
 * background and is polled with `GET …/imports/:jobId` (or listed with `GET …/imports`).
 */

export interface ImportRoutesOptions extends ImportJobsOptions {
  /** Largest upload, in MiB (ServerConfig.maxUploadMiB). */
  maxUploadMiB: number;
}

type PersonParams = { personId: string };
type JobParams = PersonParams & { jobId: string };
type UploadQuery = { filename?: unknown };

const MAX_FILENAME_LENGTH = 255;

/**
 * The name as the browser gave it, reduced to its last path segment (it only ever names the
 * upload in reports; nothing is written under it). Required: the format comes from its extension.
 */
function uploadName(query: UploadQuery): string {
  const raw = typeof query.filename === 'string' ? query.filename : '';
  const name = raw.split(/[\\/]/).pop()!.trim();
  if (name === '' || name === '.' || name === '..') throw new HearthError('invalid', 'say which file this is: ?filename=<name> with its extension (.ndjson, .ndjson.gz, .json, .xml or .zip)');
  if (name.length > MAX_FILENAME_LENGTH) throw new HearthError('invalid', `the file name is longer than ${MAX_FILENAME_LENGTH} characters`);
  if (/\p{Cc}/u.test(name)) throw new HearthError('invalid', 'the file name has control characters');
  return name;
}

const accountActor = (accountId: string): Actor & { kind: 'account' } => ({ kind: 'account', accountId });

export function registerImportRoutes(app: FastifyInstance, context: AuthContext, instance: Instance, options: ImportRoutesOptions): void {
  const maxBytes = options.maxUploadMiB * 1024 ** 2;
  const jobs = importJobs(instance, context.access, {
    ...options,
    // A log line without the error's message: it may quote the file's content.
    onInternalError: options.onInternalError ?? ((error) => app.log.error({ errorName: (error as Error)?.name, code: (error as { code?: unknown })?.code }, 'import job failed')),
  });
  // Graceful shutdown: the running import stops after its current batch has committed (batches are
  // transactions; the import stays resumable), queued ones fail with a message, then the server closes.
  app.addHook('onClose', async () => jobs.close());
  // Deletion: a person's jobs are cancelled and forgotten; a source is not deleted under a running import.
  context.lifecycle.onRelease(async (personId, reason) => {
    if (reason === 'delete-person') await jobs.forget(personId);
    else if (jobs.busy(personId)) throw busyWithImports();
  });

  // Its own scope, so the raw-bytes parser exists for the upload route only.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', async (request: FastifyRequest, payload: AsyncIterable<Buffer>) => {
      const tooLarge = () => new HearthError('too-large', `the upload is larger than the ${options.maxUploadMiB} MiB limit (server setting maxUploadMiB); split the export into smaller files`);
      // A declared length past the cap is refused before a byte is read.
      if (Number(request.headers['content-length']) > maxBytes) throw tooLarge();
      try {
        return await readCapped(payload, maxBytes, 'the upload');
      } catch (error) {
        throw isHearthError(error) && error.code === 'too-large' ? tooLarge() : error;
      }
    });

    scope.post<{ Params: PersonParams; Querystring: UploadQuery }>('/api/people/:personId/imports', {
      // Who may upload, and whether there is room, is settled before the body is read: a refused upload costs no memory.
      onRequest: async (request) => {
        const { account } = requireSignedIn(context, request);
        context.access.requireAccess(accountActor(account.id), request.params.personId, 'write');
        uploadName(request.query);
        jobs.requireRoom(request.params.personId);
      },
      handler: async (request, reply) => {
        const { account } = requireSignedIn(context, request);
        const body = request.body as unknown;
        if (body === undefined || body === null || (Buffer.isBuffer(body) && body.length === 0)) throw new HearthError('invalid', 'the upload is empty');
        if (!Buffer.isBuffer(body)) throw new HearthError('unsupported', 'send the file itself as the body, with Content-Type: application/octet-stream');
        const job = jobs.submit({
          actor: accountActor(account.id),
          personId: request.params.personId,
          filename: uploadName(request.query),
          bytes: body,
          sourceAddress: request.ip,
          requestId: String(request.id),
        });
        return reply.code(202).send({ job });
      },
    });
  });

  app.get<{ Params: PersonParams }>('/api/people/:personId/imports', async (request) => {
    const { account } = requireSignedIn(context, request);
    return { jobs: jobs.list(accountActor(account.id), request.params.personId) };
  });

  app.get<{ Params: JobParams }>('/api/people/:personId/imports/:jobId', async (request) => {
    const { account } = requireSignedIn(context, request);
    return { job: jobs.get(accountActor(account.id), request.params.personId, request.params.jobId) };
  });
}
