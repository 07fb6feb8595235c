import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import type { ProviderEndpoints } from './discovery.ts';

/** SQL only, for the three tables of migration 7 (smart-schema.ts). Sealed columns stay sealed here. */

export type ClientType = 'public' | 'confidential-secret' | 'confidential-key';
export type KeyAlg = 'RS384' | 'ES384';
export type ConnectionStatus = 'pending' | 'connected' | 'reconnect_needed';

export interface RegistrationRow {
  id: string;
  label: string;
  appliesTo: string | null;
  clientId: string;
  clientType: ClientType;
  sealedSecret: Buffer | null;
  sealedPrivateKey: Buffer | null;
  publicJwk: string | null;
  keyId: string | null;
  alg: KeyAlg | null;
  scopes: string | null;
  createdAt: number;
}

/** A provider_connections row: the provider's endpoints (SQLite keeps the boolean as 0/1), tokens, state. */
export interface ConnectionRow extends Omit<ProviderEndpoints, 'issParameterSupported'> {
  sourceId: string;
  registrationId: string;
  issParameterSupported: number;
  sealedAccessToken: Buffer | null;
  accessExpiresAt: number | null;
  sealedRefreshToken: Buffer | null;
  requestedScope: string | null;
  grantedScope: string | null;
  patientId: string | null;
  status: ConnectionStatus;
  refreshInFlight: number | null;
  lastError: string | null;
  updatedAt: number;
}

export interface StateRow {
  stateHash: string;
  sessionHash: string | null;
  accountId: string | null;
  binderHash: string | null;
  sourceId: string;
  sealedCodeVerifier: Buffer;
  nonce: string;
  redirectUri: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

const REGISTRATION = `id, label, applies_to AS appliesTo, client_id AS clientId, client_type AS clientType,
  sealed_secret AS sealedSecret, sealed_private_key AS sealedPrivateKey, public_jwk AS publicJwk, key_id AS keyId,
  alg, scopes, created_at AS createdAt`;
const CONNECTION = `source_id AS sourceId, registration_id AS registrationId, fhir_base_url AS fhirBaseUrl, issuer,
  authorization_endpoint AS authorizationEndpoint, token_endpoint AS tokenEndpoint, revocation_endpoint AS revocationEndpoint,
  jwks_uri AS jwksUri, iss_parameter_supported AS issParameterSupported, sealed_access_token AS sealedAccessToken,
  access_expires_at AS accessExpiresAt, sealed_refresh_token AS sealedRefreshToken, requested_scope AS requestedScope,
  granted_scope AS grantedScope, patient_id AS patientId, status, refresh_in_flight AS refreshInFlight,
  last_error AS lastError, updated_at AS updatedAt`;
const STATE = `state_hash AS stateHash, session_hash AS sessionHash, account_id AS accountId, binder_hash AS binderHash,
  source_id AS sourceId, sealed_code_verifier AS sealedCodeVerifier, nonce, redirect_uri AS redirectUri,
  created_at AS createdAt, expires_at AS expiresAt, used_at AS usedAt`;

export function smartRepository(db: SqliteDatabase) {
  return {
    // IMMEDIATE: a token refresh and a sync checkpoint may race another Hearth process (see audit-log.ts).
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),

    insertRegistration(row: RegistrationRow): void {
      db.prepare(
        `INSERT INTO client_registrations (id, label, applies_to, client_id, client_type, sealed_secret, sealed_private_key,
           public_jwk, key_id, alg, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(row.id, row.label, row.appliesTo, row.clientId, row.clientType, row.sealedSecret, row.sealedPrivateKey, row.publicJwk, row.keyId, row.alg, row.scopes, row.createdAt);
    },
    registration: (id: string) => db.prepare(`SELECT ${REGISTRATION} FROM client_registrations WHERE id = ?`).get(id) as RegistrationRow | undefined,
    registrations: () => db.prepare(`SELECT ${REGISTRATION} FROM client_registrations ORDER BY created_at, id`).all() as RegistrationRow[],
    registrationInUse: (id: string) => db.prepare('SELECT 1 FROM provider_connections WHERE registration_id = ? LIMIT 1').get(id) !== undefined,
    deleteRegistration: (id: string) => db.prepare('DELETE FROM client_registrations WHERE id = ?').run(id).changes === 1,

    insertConnection(row: Pick<ConnectionRow, 'sourceId' | 'registrationId' | 'fhirBaseUrl' | 'issuer' | 'authorizationEndpoint' | 'tokenEndpoint' | 'revocationEndpoint' | 'jwksUri' | 'issParameterSupported' | 'requestedScope' | 'updatedAt'>): void {
      db.prepare(
        `INSERT INTO provider_connections (source_id, registration_id, fhir_base_url, issuer, authorization_endpoint, token_endpoint,
           revocation_endpoint, jwks_uri, iss_parameter_supported, requested_scope, status, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
      ).run(row.sourceId, row.registrationId, row.fhirBaseUrl, row.issuer, row.authorizationEndpoint, row.tokenEndpoint, row.revocationEndpoint, row.jwksUri, row.issParameterSupported, row.requestedScope, row.updatedAt);
    },
    connection: (sourceId: string) => db.prepare(`SELECT ${CONNECTION} FROM provider_connections WHERE source_id = ?`).get(sourceId) as ConnectionRow | undefined,
    /** A fresh discovery for a reconnect: endpoints may have moved. */
    updateEndpoints(sourceId: string, row: Pick<ConnectionRow, 'issuer' | 'authorizationEndpoint' | 'tokenEndpoint' | 'revocationEndpoint' | 'jwksUri' | 'issParameterSupported' | 'requestedScope' | 'updatedAt'>): void {
      db.prepare(
        `UPDATE provider_connections SET issuer = ?, authorization_endpoint = ?, token_endpoint = ?, revocation_endpoint = ?, jwks_uri = ?,
           iss_parameter_supported = ?, requested_scope = ?, updated_at = ? WHERE source_id = ?`,
      ).run(row.issuer, row.authorizationEndpoint, row.tokenEndpoint, row.revocationEndpoint, row.jwksUri, row.issParameterSupported, row.requestedScope, row.updatedAt, sourceId);
    },
    storeTokens(sourceId: string, tokens: { sealedAccessToken: Buffer; accessExpiresAt: number; sealedRefreshToken: Buffer | null; grantedScope?: string; patientId?: string; at: number }): void {
      db.prepare(
        `UPDATE provider_connections SET sealed_access_token = ?, access_expires_at = ?,
           sealed_refresh_token = COALESCE(?, sealed_refresh_token), granted_scope = COALESCE(?, granted_scope),
           patient_id = COALESCE(?, patient_id), status = 'connected', refresh_in_flight = NULL, last_error = NULL, updated_at = ?
         WHERE source_id = ?`,
      ).run(tokens.sealedAccessToken, tokens.accessExpiresAt, tokens.sealedRefreshToken, tokens.grantedScope ?? null, tokens.patientId ?? null, tokens.at, sourceId);
    },
    markRefreshInFlight: (sourceId: string, at: number) => db.prepare('UPDATE provider_connections SET refresh_in_flight = ?, updated_at = ? WHERE source_id = ?').run(at, at, sourceId),
    clearRefreshInFlight: (sourceId: string, at: number) => db.prepare('UPDATE provider_connections SET refresh_in_flight = NULL, updated_at = ? WHERE source_id = ?').run(at, sourceId),
    /** The grant is gone: tokens are dropped (they are useless and still secret). */
    markReconnectNeeded(sourceId: string, errorCode: string, at: number): void {
      db.prepare(
        `UPDATE provider_connections SET status = 'reconnect_needed', sealed_access_token = NULL, access_expires_at = NULL,
           sealed_refresh_token = NULL, refresh_in_flight = NULL, last_error = ?, updated_at = ? WHERE source_id = ?`,
      ).run(errorCode, at, sourceId);
    },
    setLastError: (sourceId: string, errorCode: string, at: number) => db.prepare('UPDATE provider_connections SET last_error = ?, updated_at = ? WHERE source_id = ?').run(errorCode, at, sourceId),
    /** Start-up: every marker left by a crash (see provider-session.ts for why no replay). */
    connectionsWithRefreshInFlight: () => (db.prepare('SELECT source_id AS sourceId FROM provider_connections WHERE refresh_in_flight IS NOT NULL').all() as { sourceId: string }[]).map((row) => row.sourceId),
    deleteConnection(sourceId: string): void {
      db.prepare('DELETE FROM oauth_states WHERE source_id = ?').run(sourceId);
      db.prepare('DELETE FROM provider_connections WHERE source_id = ?').run(sourceId);
    },

    insertState(row: Omit<StateRow, 'usedAt'>): void {
      db.prepare(
        `INSERT INTO oauth_states (state_hash, session_hash, account_id, binder_hash, source_id, sealed_code_verifier, nonce, redirect_uri, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(row.stateHash, row.sessionHash, row.accountId, row.binderHash, row.sourceId, row.sealedCodeVerifier, row.nonce, row.redirectUri, row.createdAt, row.expiresAt);
    },
    state: (stateHash: string) => db.prepare(`SELECT ${STATE} FROM oauth_states WHERE state_hash = ?`).get(stateHash) as StateRow | undefined,
    /** Single use: true only for the one caller that flips used_at. */
    useState: (stateHash: string, at: number) => db.prepare('UPDATE oauth_states SET used_at = ? WHERE state_hash = ? AND used_at IS NULL').run(at, stateHash).changes === 1,
    pruneStates: (before: number) => db.prepare('DELETE FROM oauth_states WHERE expires_at < ?').run(before),
    sessionExists: (sessionHash: string) => db.prepare('SELECT 1 FROM sessions WHERE id_hash = ?').get(sessionHash) !== undefined,
  };
}

export type SmartRepository = ReturnType<typeof smartRepository>;
