// Brings in the request.cookies / reply.setCookie types of the plugin registered in server.ts.
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Account } from '../accounts/accounts-repository.ts';
import { accountsOf, LOGIN_FAILED, type AccountsService } from '../accounts/accounts-service.ts';
import { invitesService, type InvitesService } from '../accounts/invites.ts';
import { totpService, type CodeCheck, type TotpService } from '../accounts/totp.ts';
import { accessControl, type AccessControl } from '../access/access.ts';
import { auditLog, type AuditEntryInput, type AuditLog } from '../audit/index.ts';
import { personLifecycle, type PersonLifecycle } from '../deletion/person-lifecycle.ts';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import type { PeopleService } from '../people/people-service.ts';
import { loginLimiterOf, type LoginLimiter } from '../sessions/login-limiter.ts';
import { sessionsOf, type Session, type SessionsService } from '../sessions/sessions-service.ts';
import { ApiRefusal } from './security-hooks.ts';

/**
 * The session cookie. `__Host-` makes the browser insist on Secure, Path=/ and no Domain, so no
 * sibling host can plant or read it. Secure is sent over plain http too: Chromium and Firefox
 * treat http://127.0.0.1 and http://localhost as secure contexts and accept it there.
 */
export const SESSION_COOKIE = '__Host-hearth-session';
const COOKIE_OPTIONS = { secure: true, httpOnly: true, sameSite: 'strict', path: '/' } as const;

/** What can be tuned, mostly for tests: the clock, the timeouts, the limiter. */
export interface AuthOptions {
  /** Milliseconds since the epoch. */
  now?: () => number;
  idleTimeoutMs?: number;
  absoluteTimeoutMs?: number;
  maxFailuresPerHour?: number;
  /** How the login backoff waits. */
  sleep?: (ms: number) => Promise<void>;
}

export interface AuthContext {
  accounts: AccountsService;
  sessions: SessionsService;
  limiter: LoginLimiter;
  access: AccessControl;
  audit: AuditLog;
  totp: TotpService;
  invites: InvitesService;
  people: PeopleService;
  /** The server's caches of a person's data (vault handles, import jobs), released before deletion. */
  lifecycle: PersonLifecycle;
  now: () => number;
  ownerExists(): boolean;
}

export function createAuthContext(instance: Instance, options: AuthOptions = {}): AuthContext {
  const now = options.now ?? Date.now;
  const date = () => new Date(now());
  const accounts = accountsOf(instance.system, date);
  let ownerSeen = false;
  return {
    accounts,
    sessions: sessionsOf(instance.system, {
      now,
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.absoluteTimeoutMs !== undefined ? { absoluteTimeoutMs: options.absoluteTimeoutMs } : {}),
    }),
    limiter: loginLimiterOf(instance.system, {
      now,
      ...(options.maxFailuresPerHour !== undefined ? { maxFailuresPerHour: options.maxFailuresPerHour } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    }),
    access: accessControl(instance.system),
    audit: auditLog(instance.system, { now: date }),
    totp: totpService({ db: instance.system, sealKey: instance.totpSeedKey, now }),
    invites: invitesService({ db: instance.system, now }),
    people: instance.people,
    lifecycle: personLifecycle(),
    now,
    // Once there is an owner there always is one (the only owner cannot be disabled): remembered.
    ownerExists: () => (ownerSeen ||= accounts.list().some((account) => account.isOwner)),
  };
}

/** Appends to the system audit trail with the request's source address and id. Never a password. */
export function auditRequest(context: AuthContext, request: FastifyRequest, entry: Omit<AuditEntryInput, 'sourceAddress' | 'requestId'>): void {
  context.audit.append({ ...entry, sourceAddress: request.ip, requestId: String(request.id) });
}

export function setSessionCookie(reply: FastifyReply, rawId: string): void {
  reply.setCookie(SESSION_COOKIE, rawId, COOKIE_OPTIONS);
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
}

export const sessionCookieOf = (request: FastifyRequest): string | undefined => request.cookies[SESSION_COOKIE];

export interface SignedIn {
  account: Account;
  session: Session;
  rawId: string;
}

/** The caller's live session and enabled account, or the one 401. */
export function requireSignedIn(context: AuthContext, request: FastifyRequest): SignedIn {
  const rawId = sessionCookieOf(request);
  const session = context.sessions.resolve(rawId);
  const account = session && context.accounts.get(session.accountId);
  if (!rawId || !session || !account || account.disabledAt !== null) {
    if (rawId && session) context.sessions.end(rawId);
    throw new HearthError('unauthenticated', 'not signed in, or the session has ended');
  }
  return { account, session, rawId };
}

/** Starts a session: a new id every time (no session fixation), an older one from this browser ended. */
export function signIn(context: AuthContext, request: FastifyRequest, reply: FastifyReply, account: Account): void {
  const previous = sessionCookieOf(request);
  if (previous) context.sessions.end(previous);
  const { rawId } = context.sessions.create(account.id, { userAgent: request.headers['user-agent'], address: request.ip });
  setSessionCookie(reply, rawId);
}

/** SECURITY.md: fresh re-authentication before sensitive actions; five minutes is "fresh". */
export const REAUTH_MAX_AGE_MS = 5 * 60_000;

/**
 * The signed-in caller, provided this session proved its password (POST /api/reauth, or a login)
 * within `maxAgeMs`; otherwise 401 `reauth-required`, and the client asks for the password again.
 */
export function requireFreshAuth(context: AuthContext, request: FastifyRequest, maxAgeMs = REAUTH_MAX_AGE_MS): SignedIn {
  return requireFresh(context, requireSignedIn(context, request), maxAgeMs);
}

function requireFresh(context: AuthContext, signedIn: SignedIn, maxAgeMs: number): SignedIn {
  const proved = Math.max(signedIn.session.reauthAt ?? 0, signedIn.session.createdAt);
  if (context.now() - proved >= maxAgeMs) {
    throw new ApiRefusal('unauthenticated', 'reauth-required', 'confirm your password first (POST /api/reauth)');
  }
  return signedIn;
}

/**
 * Owner-only routes answer 403 'forbidden' to every other signed-in account: the routes are no
 * secret (they are in the docs), and nothing about any person is revealed by the refusal.
 */
export function requireOwner(context: AuthContext, request: FastifyRequest, fresh = false): SignedIn {
  const signedIn = requireSignedIn(context, request);
  // Refused before the freshness check: another account gets 403 whether or not it re-authenticated.
  if (!signedIn.account.isOwner) throw new HearthError('forbidden', 'only the instance owner may do this');
  return fresh ? requireFresh(context, signedIn, REAUTH_MAX_AGE_MS) : signedIn;
}

/** The 401 of a password account with TOTP on, when no code came with the right password. */
export const totpRequired = () => new ApiRefusal('unauthenticated', 'totp-required', 'this account needs a code from its authenticator app (or a recovery code)');

/**
 * Password and, when the account has TOTP, its code, all inside the per-account limiter: a wrong
 * code is a failed attempt like a wrong password, with the same answer (LOGIN_FAILED). A right
 * password without a code stays counted as a failure too (the evaluation throws): otherwise
 * alternating "no code" and "guessed code" would reset the count and let codes be guessed freely.
 */
export async function verifyCredentials(context: AuthContext, username: string, password: string, code: string | undefined): Promise<{ account: Account; factor: CodeCheck }> {
  return context.limiter.guard(username, async () => {
    const account = await context.accounts.authenticate(username, password);
    if (!context.totp.isEnabled(account.id)) return { account, factor: { ok: true, kind: 'totp' } as CodeCheck };
    if (code === undefined || code.trim() === '') throw totpRequired();
    const factor = context.totp.check(account.id, code);
    if (!factor.ok) throw new HearthError('forbidden', LOGIN_FAILED);
    return { account, factor };
  });
}
