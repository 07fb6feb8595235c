import type { Migration } from '../storage/migrations.ts';

/**
 * System migration 7: Hearth as a SMART App Launch 2.x client (issue 4 §2–3).
 *
 * Every secret column holds a value sealed with keys/sealed-secret.ts under the 'provider-secrets'
 * sub-key, with the row's id as AAD (a sealed value cannot be moved to another row); SECURITY.md
 * "At rest": provider tokens and client secrets are never stored in plaintext.
 */
export const SMART_CLIENT_MIGRATION: Migration = {
  id: 7,
  name: 'SMART client registrations, provider connections, OAuth states',
  up: (db) =>
    db.exec(`
      -- "Bring your own client": one row per client id an owner obtained from a vendor.
      CREATE TABLE client_registrations (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        applies_to TEXT,                  -- a vendor name or a FHIR base URL prefix; NULL = anywhere
        client_id TEXT NOT NULL,
        client_type TEXT NOT NULL CHECK (client_type IN ('public', 'confidential-secret', 'confidential-key')),
        sealed_secret BLOB,               -- confidential-secret only
        sealed_private_key BLOB,          -- confidential-key only: the private JWK
        public_jwk TEXT,                  -- confidential-key only: served at /.well-known/jwks.json
        key_id TEXT,
        alg TEXT CHECK (alg IN ('RS384', 'ES384')),
        scopes TEXT,                      -- NULL = Hearth's minimal default set
        created_at INTEGER NOT NULL
      );
      -- One authorised connection per provider source (sources.kind = 'provider').
      CREATE TABLE provider_connections (
        source_id TEXT PRIMARY KEY REFERENCES sources(id),
        registration_id TEXT NOT NULL REFERENCES client_registrations(id),
        fhir_base_url TEXT NOT NULL,      -- the SMART 'aud'
        issuer TEXT NOT NULL,
        authorization_endpoint TEXT NOT NULL,
        token_endpoint TEXT NOT NULL,
        revocation_endpoint TEXT,
        jwks_uri TEXT,
        iss_parameter_supported INTEGER NOT NULL DEFAULT 0,
        sealed_access_token BLOB,
        access_expires_at INTEGER,        -- ms since the epoch
        sealed_refresh_token BLOB,
        requested_scope TEXT,
        granted_scope TEXT,
        patient_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'connected', 'reconnect_needed')),
        -- Set (ms) just before a refresh request leaves, cleared in the transaction that stores its
        -- answer. Still set at start-up = a crash mid-refresh: the old refresh token may be spent.
        refresh_in_flight INTEGER,
        last_error TEXT,                  -- a Hearth error code, never provider text (no PHI)
        updated_at INTEGER NOT NULL
      );
      -- Authorization requests in flight: single use, at most 10 minutes (SECURITY.md).
      CREATE TABLE oauth_states (
        state_hash TEXT PRIMARY KEY,      -- SHA-256 of the state: the database never holds it
        session_hash TEXT,                -- the web session that started it; NULL for the CLI
        account_id TEXT,
        binder_hash TEXT,                 -- SHA-256 of the browser's SameSite=Lax binder cookie
        source_id TEXT NOT NULL REFERENCES sources(id),
        sealed_code_verifier BLOB NOT NULL,
        nonce TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );
      CREATE INDEX oauth_states_by_source ON oauth_states (source_id);
    `),
};
