import type { FastifyInstance } from 'fastify';
import { buildServer, type BuildServerOptions } from '../../src/http/server.ts';
import type { AuthOptions } from '../../src/http/auth-context.ts';
import { tempInstance } from './temp-instance.ts';

export interface Call {
  body?: unknown;
  cookie?: string | undefined;
  headers?: Record<string, string>;
  /** Send X-Hearth-CSRF on a state-changing request (default true). */
  csrf?: boolean;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // Parsed JSON of any shape: tests assert on it field by field.
  json: any;
  session: string | undefined;
}

/** A real encrypted instance behind a real server on 127.0.0.1, and fetch against it. */
export async function apiServer(auth: AuthOptions, options: Omit<BuildServerOptions, 'auth'> = {}) {
  const instance = await tempInstance();
  const app: FastifyInstance = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] }, { ...options, auth });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  async function call(method: string, path: string, { body, cookie, headers = {}, csrf = true }: Call = {}): Promise<Answer> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(csrf && method !== 'GET' ? { 'x-hearth-csrf': '1' } : {}),
        ...(cookie ? { cookie: `__Host-hearth-session=${cookie}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const session = response.headers
      .getSetCookie()
      .map((line) => /^__Host-hearth-session=([^;]+)/.exec(line)?.[1])
      .find((value) => value !== undefined);
    return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined, session };
  }

  return {
    instance,
    app,
    base,
    call,
    async close() {
      await app.close();
      instance.dispose();
    },
  };
}
