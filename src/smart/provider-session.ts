import * as oauth from 'oauth4webapi';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { openSecret, sealSecret } from '../keys/sealed-secret.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { authorizationServerOf } from './discovery.ts';
import { oauthRequestOptions } from './oauth-options.ts';
import type { OutboundFetch } from './outbound-types.ts';
import { registrationsService } from './registrations.ts';
import { smartRepository, type ConnectionRow } from './smart-repository.ts';

export interface ProviderSession {
  sourceId: string;
  fhirBaseUrl: string;
  patientId: string;
  grantedScopes: string[];
  accessToken(checkpoint?: () => void): Promise<string>;
  refreshAfterUnauthorized(checkpoint?: () => void): Promise<string>;
}

/** Refresh when the access token expires within this long (issue 4 shared interface). */
export const REFRESH_MARGIN_MS = 60_000;

/**
 * Refreshes in progress, per database and source: every session object of the same source shares
 * one (single-flight; a second refresh with the same rotated-away token would be a replay).
 */
const inFlight = new WeakMap<SqliteDatabase, Map<string, Promise<string>>>();

/**
 * A marker older than this was left by a crash: an OAuth request gives up after 30 s
 * (oauth-options.ts OAUTH_TIMEOUT_MS), so a live refresh in another process (`hearth serve` and a CLI sync) is never this old.
 */
export const STALE_REFRESH_MS = 2 * 60_000;

const reconnectNeeded = () => new HearthError('reconnect_needed', 'the provider no longer accepts this connection; reconnect it');

export interface ProviderSessionOptions {
  allowlist?: readonly string[];
  now?: () => number;
}

/** What revoking a connection's grant at the provider came to (RFC 7009). */
export type RevocationOutcome = 'revoked' | 'no-tokens' | 'not-supported' | 'failed';

/** A revocation may not hold up a deletion for the full 30 s an OAuth request may take. */
const REVOKE_TIMEOUT_MS = 10_000;

export interface ProviderSessions {
  open(sourceId: string): ProviderSession;
  recoverInterruptedRefreshes(): string[];
  revoke(sourceId: string): Promise<RevocationOutcome>;
}

export function providerSessions(instance: Instance, fetch: OutboundFetch, options: ProviderSessionOptions = {}): ProviderSessions {
  const now = options.now ?? Date.now;
  const repository = smartRepository(instance.system);
  const registrations = registrationsService(instance.system, instance.providerSecretKey, now);
  const key = instance.providerSecretKey;
  if (!inFlight.has(instance.system)) inFlight.set(instance.system, new Map());
  const flights = inFlight.get(instance.system)!;

  /**
   * A refresh_in_flight marker with no refresh running in this process means a crash between
   * sending a refresh request and storing its answer. The provider may already have rotated the
   * refresh token; sending the old one again is a replay, which RFC 9700 §4.14.2 tells providers to
   * answer by revoking the whole grant. So the old token is never sent again: the source is marked
   * 'reconnect_needed' and the person re-authorises (two clicks).
   */
  function recover(sourceId: string): void {
    if (flights.has(sourceId)) return;
    const marker = repository.connection(sourceId)?.refreshInFlight;
    if (marker == null) return;
    if (now() - marker >= STALE_REFRESH_MS) {
      repository.markReconnectNeeded(sourceId, 'refresh_interrupted', now());
      return;
    }
    // Another process is refreshing this source right now: never a second refresh beside it.
    throw new HearthError('conflict', 'this connection is being refreshed by another Hearth process; try again in a moment');
  }

  function load(sourceId: string): ConnectionRow {
    recover(sourceId);
    const connection = repository.connection(sourceId);
    if (!connection) throw new HearthError('not-found', 'no such provider connection');
    if (connection.status !== 'connected' || !connection.sealedAccessToken) throw reconnectNeeded();
    return connection;
  }

  async function refresh(sourceId: string, checkpoint: (() => void) | undefined): Promise<string> {
    const connection = load(sourceId);
    if (!connection.sealedRefreshToken) {
      repository.markReconnectNeeded(sourceId, 'no_refresh_token', now());
      throw reconnectNeeded();
    }
    const refreshToken = openSecret(key, connection.sealedRefreshToken, `refresh-token:${sourceId}`).toString('utf8');
    const as = authorizationServerOf(connection);
    const { client, auth } = await registrations.clientOf(connection.registrationId);
    repository.markRefreshInFlight(sourceId, now());
    let result: oauth.TokenEndpointResponse;
    try {
      const response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, oauthRequestOptions(fetch, connection.tokenEndpoint, options.allowlist));
      result = await oauth.processRefreshTokenResponse(as, client, response);
    } catch (error) {
      const refused = (error instanceof oauth.ResponseBodyError && (error.error === 'invalid_grant' || error.status === 401)) || error instanceof oauth.WWWAuthenticateChallengeError;
      if (refused) {
        repository.markReconnectNeeded(sourceId, 'invalid_grant', now());
        throw reconnectNeeded();
      }
      // No usable answer (network, 5xx): the marker is cleared and the token kept. If the provider
      // did rotate it and the answer was lost, the next attempt is refused as a replay and the
      // source ends up 'reconnect_needed', the same place a conservative choice would put it now.
      repository.clearRefreshInFlight(sourceId, now());
      repository.setLastError(sourceId, 'refresh_failed', now());
      throw new HearthError('provider', 'the provider could not refresh the access token; try again later');
    }
    const at = now();
    // The new tokens, the cleared marker and the caller's checkpoint commit together (SECURITY.md:
    // a rotated refresh token is persisted in the same transaction as sync progress).
    repository.transaction(() => {
      repository.storeTokens(sourceId, {
        sealedAccessToken: sealSecret(key, Buffer.from(result.access_token, 'utf8'), `access-token:${sourceId}`),
        accessExpiresAt: at + (result.expires_in ?? 3600) * 1000,
        sealedRefreshToken: result.refresh_token ? sealSecret(key, Buffer.from(result.refresh_token, 'utf8'), `refresh-token:${sourceId}`) : null,
        ...(result.scope ? { grantedScope: result.scope } : {}),
        at,
      });
      checkpoint?.();
    });
    return result.access_token;
  }

  /** Joins the refresh already running for this source, or starts one (its caller's checkpoint runs). */
  function singleFlight(sourceId: string, checkpoint: (() => void) | undefined): Promise<string> {
    const running = flights.get(sourceId);
    if (running) return running;
    const flight = refresh(sourceId, checkpoint).finally(() => flights.delete(sourceId));
    flights.set(sourceId, flight);
    return flight;
  }

  /**
   * Asks the provider to end the grant before Hearth forgets a connection (a deleted source or
   * person): RFC 7009 §2.1, the refresh token when there is one (which ends the grant's access
   * tokens too, §2.1 "SHOULD"), else the access token. Best effort, never thrown: the tokens go
   * from Hearth either way, and a provider without a revocation endpoint lets them expire.
   */
  async function revoke(sourceId: string): Promise<RevocationOutcome> {
    const connection = repository.connection(sourceId);
    const sealed = connection?.sealedRefreshToken ?? connection?.sealedAccessToken;
    if (!connection || !sealed) return 'no-tokens';
    if (!connection.revocationEndpoint) return 'not-supported';
    const purpose = connection.sealedRefreshToken ? 'refresh-token' : 'access-token';
    try {
      const token = openSecret(key, sealed, `${purpose}:${sourceId}`).toString('utf8');
      const { client, auth } = await registrations.clientOf(connection.registrationId);
      const request = { ...oauthRequestOptions(fetch, connection.revocationEndpoint, options.allowlist), signal: AbortSignal.timeout(REVOKE_TIMEOUT_MS) };
      const response = await oauth.revocationRequest(authorizationServerOf(connection), client, auth, token, {
        ...request,
        additionalParameters: { token_type_hint: purpose === 'refresh-token' ? 'refresh_token' : 'access_token' },
      });
      await oauth.processRevocationResponse(response);
      return 'revoked';
    } catch {
      return 'failed';
    }
  }

  return {
    revoke,
    /** Start-up: every source whose refresh was interrupted by a crash is marked reconnect_needed. */
    recoverInterruptedRefreshes(): string[] {
      const ids = repository.connectionsWithRefreshInFlight().filter((id) => !flights.has(id));
      const interrupted: string[] = [];
      for (const id of ids) {
        try {
          recover(id);
          interrupted.push(id);
        } catch {
          // a young marker: a refresh live in another process, not a crash
        }
      }
      return interrupted;
    },
    open(sourceId: string): ProviderSession {
      const connection = load(sourceId);
      return {
        sourceId,
        fhirBaseUrl: connection.fhirBaseUrl,
        patientId: connection.patientId!,
        grantedScopes: (connection.grantedScope ?? '').split(' ').filter(Boolean),
        async accessToken(checkpoint) {
          if (flights.has(sourceId)) return flights.get(sourceId)!;
          const current = load(sourceId);
          if (current.accessExpiresAt !== null && current.accessExpiresAt - now() > REFRESH_MARGIN_MS) {
            return openSecret(key, current.sealedAccessToken!, `access-token:${sourceId}`).toString('utf8');
          }
          return singleFlight(sourceId, checkpoint);
        },
        refreshAfterUnauthorized: (checkpoint) => singleFlight(sourceId, checkpoint),
      };
    },
  };
}
