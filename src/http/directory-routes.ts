import type { FastifyInstance } from 'fastify';
import { directoryService, type DirectoryService } from '../directory/directory-service.ts';
import { MAX_LIMIT } from '../directory/directory-search.ts';
import { requireSignedIn, type AuthContext } from './auth-context.ts';

const QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 200 },
    zip: { type: 'string', maxLength: 10 },
    state: { type: 'string', maxLength: 2 },
    vendor: { type: 'string', maxLength: 100 },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
  },
} as const;

interface DirectoryQuerystring {
  q?: string;
  zip?: string;
  state?: string;
  vendor?: string;
  limit?: number;
}

/**
 * `GET /api/directory`: the provider directory for the web app's search page. Public data, so
 * any signed-in account may search it and no person check applies; each search is still on the
 * system audit trail (SECURITY.md "Audit": every search), with a relaxed commit as for reads.
 */
export function registerDirectoryRoutes(app: FastifyInstance, context: AuthContext, dataDir: string, directory: DirectoryService = directoryService(dataDir)): void {
  app.get<{ Querystring: DirectoryQuerystring }>('/api/directory', { schema: { querystring: QUERY_SCHEMA } }, async (request) => {
    const { account } = requireSignedIn(context, request);
    const { q, zip, state, vendor, limit } = request.query;
    const audited = new URLSearchParams(Object.entries({ q, zip, state, vendor }).filter((pair): pair is [string, string] => typeof pair[1] === 'string' && pair[1] !== ''));
    const record = (outcome: 'success' | 'failure') =>
      context.audit.append(
        { actor: account.id, action: 'search', outcome, what: { type: 'Endpoint', query: audited.toString() }, sourceAddress: request.ip, requestId: String(request.id) },
        { relaxed: true },
      );
    try {
      const found = directory.search({
        ...(q !== undefined ? { text: q } : {}),
        ...(zip !== undefined ? { zip } : {}),
        ...(state !== undefined ? { state } : {}),
        ...(vendor !== undefined ? { vendor } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      record('success');
      return found;
    } catch (error) {
      record('failure');
      throw error;
    }
  });
}
