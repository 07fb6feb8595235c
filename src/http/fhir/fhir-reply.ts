import type { Resource } from '@medplum/fhirtypes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../fhir-api/person-door.ts';
import { requireSignedIn, type AuthContext } from '../auth-context.ts';

/** R4 http.html#mime-type: the one media type this API answers with. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export interface PersonParams {
  personId: string;
}

/** The signed-in caller (or the one 401), with what the audit trail records about the request. */
export function callerOf(auth: AuthContext, request: FastifyRequest): Caller {
  const { account } = requireSignedIn(auth, request);
  return { accountId: account.id, address: request.ip, requestId: String(request.id) };
}

/** This person's FHIR base URL as the client reached it (behind a trusted proxy, its forwarded host). */
export function baseUrlOf(request: FastifyRequest, personId: string): string {
  return `${request.protocol}://${request.host}/fhir/${encodeURIComponent(personId)}`;
}

/** The raw query string, exactly as sent (search/parse-query.ts does its own, stricter decoding). */
export function rawQueryOf(request: FastifyRequest): string {
  const question = request.url.indexOf('?');
  return question === -1 ? '' : request.url.slice(question + 1);
}

/** R4 search.html#errors: `Prefer: handling=lenient` asks to skip parameters the server cannot answer. */
export function isLenient(request: FastifyRequest): boolean {
  const prefer = request.headers.prefer;
  return typeof prefer === 'string' && /(?:^|[,;\s])handling=lenient\b/i.test(prefer);
}

export function sendFhir(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(FHIR_JSON).send(JSON.stringify(body));
}

export const etagOf = (versionId: string | number) => `W/"${versionId}"`;

/** Adds ETag / Last-Modified (R4 http.html#versioning, #read). */
function versionHeaders(reply: FastifyReply, resource: Resource): void {
  if (resource.meta?.versionId) reply.header('ETag', etagOf(resource.meta.versionId));
  if (resource.meta?.lastUpdated) reply.header('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
}

/**
 * A read or vread answer. `If-None-Match` naming the current version gets 304 with no body
 * (RFC 9110 §13.1.2, R4 http.html#cread), so a client's cached copy is confirmed without resending it.
 */
export function sendResource(request: FastifyRequest, reply: FastifyReply, status: number, resource: Resource): FastifyReply {
  versionHeaders(reply, resource);
  const ifNoneMatch = request.headers['if-none-match'];
  const etag = resource.meta?.versionId ? etagOf(resource.meta.versionId) : undefined;
  if (request.method === 'GET' && status === 200 && etag && typeof ifNoneMatch === 'string') {
    const wanted = ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    if (wanted.includes('*') || wanted.includes(etag.replace(/^W\//, ''))) return reply.code(304).send();
  }
  return sendFhir(reply, status, resource);
}
