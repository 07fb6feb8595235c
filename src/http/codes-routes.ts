import type { FastifyInstance } from 'fastify';
import { CODE_SUBSETS, codeSubset, isCodeSubsetName, searchCodes } from '../codes/code-subsets.ts';
import { HearthError } from '../errors/hearth-error.ts';
import { requireSignedIn, type AuthContext } from './auth-context.ts';

const QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 100 },
    kind: { type: 'string', maxLength: 20, pattern: '^[a-z]+$' },
    limit: { type: 'integer', minimum: 1, maximum: 50 },
  },
} as const;

/**
 * The code pickers of manual entry: the shipped subsets of assets/codes (public terminology, no
 * one's health data, so no person door and no audit entry), for signed-in accounts only.
 */
export function registerCodesRoutes(app: FastifyInstance, context: AuthContext): void {
  app.get<{ Params: { system: string }; Querystring: { q?: string; kind?: string; limit?: number } }>(
    '/api/codes/:system',
    { schema: { querystring: QUERY_SCHEMA } },
    async (request) => {
      requireSignedIn(context, request);
      const { system } = request.params;
      if (!isCodeSubsetName(system)) throw new HearthError('not-found', `no code subset '${system.slice(0, 20)}': there are ${CODE_SUBSETS.join(', ')}`);
      const subset = codeSubset(system);
      const { q = '', kind, limit } = request.query;
      return {
        system: subset.system,
        attribution: subset.attribution,
        codes: searchCodes(system, q, { ...(kind !== undefined ? { kind } : {}), ...(limit !== undefined ? { limit } : {}) }),
      };
    },
  );
}
