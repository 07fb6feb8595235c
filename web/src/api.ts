// The one way the app talks to the server: same origin, JSON, the CSRF header on every state change,
// and the API's one error shape `{ error: { code, message } }` turned into an ApiError.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfter: number | undefined;
  constructor(status: number, code: string, message: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Listeners told when any call answers 401 unauthenticated: the session ended (idle, logout elsewhere). */
const sessionEndedListeners = new Set<() => void>();
export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

export const CSRF_HEADERS = { 'X-Hearth-CSRF': '1' } as const;

/** Reads an error body of either shape: the JSON API's or a FHIR OperationOutcome. */
export function errorFrom(status: number, text: string, retryAfter?: string | null): ApiError {
  let code = `http-${status}`;
  let message = `the server answered ${status}`;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string }; resourceType?: string; issue?: { diagnostics?: string; details?: { text?: string } }[] };
    if (body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
    } else if (body.resourceType === 'OperationOutcome') {
      const issue = body.issue?.[0];
      message = issue?.diagnostics ?? issue?.details?.text ?? message;
      if (status === 401) code = 'unauthenticated';
      if (status === 404) code = 'not-found';
    }
  } catch {
    // not JSON: keep the generic message
  }
  return new ApiError(status, code, message, retryAfter ? Number(retryAfter) : undefined);
}

export interface CallOptions {
  body?: unknown;
  /** Signing in: a 401 there is a wrong password, not an ended session. */
  quietUnauthenticated?: boolean;
  /** Extra request headers (If-Match on an edit). */
  headers?: Record<string, string>;
}

export async function api<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') Object.assign(headers, CSRF_HEADERS);
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.headers) Object.assign(headers, options.headers);
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'network', 'the Hearth server cannot be reached');
  }
  const text = await response.text();
  if (!response.ok) {
    const error = errorFrom(response.status, text, response.headers.get('Retry-After'));
    if (error.status === 401 && error.code === 'unauthenticated' && !options.quietUnauthenticated) {
      for (const listener of sessionEndedListeners) listener();
    }
    throw error;
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown, options: CallOptions = {}) => api<T>('POST', path, { ...options, ...(body !== undefined ? { body } : {}) });
export const put = <T>(path: string, body?: unknown, headers?: Record<string, string>) => api<T>('PUT', path, { ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
export const del = <T>(path: string) => api<T>('DELETE', path);

/** Path segments are always encoded: ids come from the server, but a route is no place to trust them. */
export const seg = (value: string) => encodeURIComponent(value);

export interface Account {
  id: string;
  username: string;
  isOwner: boolean;
  totpEnabled?: boolean;
}
export interface PersonView {
  id: string;
  name: string;
  role: string;
  actions: string[];
}
export interface SessionInfo {
  account: Account;
  people: PersonView[];
}
