import { generateKeyPairSync, randomUUID, webcrypto, type JsonWebKey } from 'node:crypto';
import type * as oauth from 'oauth4webapi';
import { ClientSecretBasic, None, PrivateKeyJwt } from 'oauth4webapi';
import { HearthError } from '../errors/hearth-error.ts';
import { openSecret, sealSecret } from '../keys/sealed-secret.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { smartRepository, type ClientType, type KeyAlg, type RegistrationRow } from './smart-repository.ts';

/** A registration as shown to the owner: never the secret or the private key. */
export interface Registration {
  id: string;
  label: string;
  appliesTo: string | null;
  clientId: string;
  clientType: ClientType;
  keyId: string | null;
  alg: KeyAlg | null;
  scopes: string | null;
  createdAt: number;
}

export interface NewRegistration {
  label: string;
  clientId: string;
  clientType: ClientType;
  appliesTo?: string;
  clientSecret?: string;
  /** confidential-key only; ES384 by default. */
  alg?: KeyAlg;
  scopes?: string;
}

const CLIENT_TYPES: readonly ClientType[] = ['public', 'confidential-secret', 'confidential-key'];
const ALGS: readonly KeyAlg[] = ['ES384', 'RS384'];
/** Sealed values are bound to their row and to what they are (keys/sealed-secret.ts AAD). */
const aad = (id: string, what: string) => `${what}:${id}`;

const publicView = (row: RegistrationRow): Registration => ({
  id: row.id,
  label: row.label,
  appliesTo: row.appliesTo,
  clientId: row.clientId,
  clientType: row.clientType,
  keyId: row.keyId,
  alg: row.alg,
  scopes: row.scopes,
  createdAt: row.createdAt,
});

function text(value: unknown, name: string, max = 500): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw new HearthError('invalid', `${name} must be text of 1 to ${max} characters`);
  return value.trim();
}

/**
 * A key pair for private_key_jwt (SMART App Launch 2.x "Client Authentication: Asymmetric"): RS384 or
 * ES384 are the algorithms SMART asks servers to support. node:crypto makes the key; the private JWK
 * is sealed, the public JWK is served at /.well-known/jwks.json.
 */
function newKeyPair(alg: KeyAlg): { privateJwk: JsonWebKey; publicJwk: JsonWebKey } {
  const pair = alg === 'ES384' ? generateKeyPairSync('ec', { namedCurve: 'P-384' }) : generateKeyPairSync('rsa', { modulusLength: 3072 });
  return { privateJwk: pair.privateKey.export({ format: 'jwk' }), publicJwk: pair.publicKey.export({ format: 'jwk' }) };
}

export function registrationsService(db: SqliteDatabase, sealKey: Buffer, now: () => number = Date.now) {
  const repository = smartRepository(db);
  const row = (id: string): RegistrationRow => {
    const found = repository.registration(id);
    if (!found) throw new HearthError('not-found', 'no such provider app registration');
    return found;
  };
  return {
    create(input: NewRegistration): Registration {
      if (!CLIENT_TYPES.includes(input.clientType)) throw new HearthError('invalid', `client type must be one of ${CLIENT_TYPES.join(', ')}`);
      const alg = input.alg ?? 'ES384';
      if (!ALGS.includes(alg)) throw new HearthError('invalid', `key algorithm must be one of ${ALGS.join(', ')}`);
      const id = randomUUID();
      const base: RegistrationRow = {
        id,
        label: text(input.label, 'label', 200),
        appliesTo: input.appliesTo === undefined || input.appliesTo.trim() === '' ? null : text(input.appliesTo, 'appliesTo'),
        clientId: text(input.clientId, 'client id'),
        clientType: input.clientType,
        sealedSecret: null,
        sealedPrivateKey: null,
        publicJwk: null,
        keyId: null,
        alg: null,
        scopes: input.scopes === undefined || input.scopes.trim() === '' ? null : text(input.scopes, 'scopes', 2000).replace(/\s+/g, ' '),
        createdAt: now(),
      };
      if (input.clientType === 'confidential-secret') {
        base.sealedSecret = sealSecret(sealKey, Buffer.from(text(input.clientSecret, 'client secret', 2000), 'utf8'), aad(id, 'client-secret'));
      } else if (input.clientSecret !== undefined) {
        throw new HearthError('invalid', 'a client secret belongs to a confidential-secret registration only');
      }
      if (input.clientType === 'confidential-key') {
        const { privateJwk, publicJwk } = newKeyPair(alg);
        const keyId = randomUUID();
        base.sealedPrivateKey = sealSecret(sealKey, Buffer.from(JSON.stringify(privateJwk), 'utf8'), aad(id, 'private-key'));
        base.publicJwk = JSON.stringify({ ...publicJwk, kid: keyId, alg, use: 'sig' });
        base.keyId = keyId;
        base.alg = alg;
      }
      repository.insertRegistration(base);
      return publicView(base);
    },
    list: (): Registration[] => repository.registrations().map(publicView),
    get: (id: string): Registration => publicView(row(id)),
    delete(id: string): void {
      row(id);
      // Connections refer to it; they are deleted with their source, not orphaned here.
      if (repository.registrationInUse(id)) throw new HearthError('conflict', 'this registration is used by a provider connection; delete those sources first');
      repository.deleteRegistration(id);
    },
    /** RFC 7517 JWK Set of every confidential-key registration's public key. */
    jwks: (): { keys: Record<string, unknown>[] } => ({
      keys: repository
        .registrations()
        .filter((r) => r.publicJwk !== null)
        .map((r) => JSON.parse(r.publicJwk!) as Record<string, unknown>),
    }),
    /** oauth4webapi's Client and ClientAuth for a registration, its secrets opened for this use only. */
    async clientOf(id: string): Promise<{ client: oauth.Client; auth: oauth.ClientAuth; registration: Registration }> {
      const found = row(id);
      // SMART App Launch 2.x / OIDC: an id_token is signed with an asymmetric algorithm from this list.
      const client = { client_id: found.clientId, id_token_signed_response_alg: ID_TOKEN_ALGS } as unknown as oauth.Client;
      if (found.clientType === 'public') return { client, auth: None(), registration: publicView(found) };
      if (found.clientType === 'confidential-secret') {
        const secret = openSecret(sealKey, found.sealedSecret!, aad(id, 'client-secret')).toString('utf8');
        return { client, auth: ClientSecretBasic(secret), registration: publicView(found) };
      }
      const jwk = JSON.parse(openSecret(sealKey, found.sealedPrivateKey!, aad(id, 'private-key')).toString('utf8')) as JsonWebKey;
      const algorithm = found.alg === 'ES384' ? { name: 'ECDSA', namedCurve: 'P-384' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' };
      const key = await webcrypto.subtle.importKey('jwk', jwk as webcrypto.JsonWebKey, algorithm, false, ['sign']);
      return { client, auth: PrivateKeyJwt({ key: key as unknown as oauth.PrivateKey['key'], kid: found.keyId! }), registration: publicView(found) };
    },
  };
}

/**
 * The id_token signature algorithm allowlist (SECURITY.md "id_token checked … alg allowlist").
 * oauth4webapi compares the JWS header's alg with `client.id_token_signed_response_alg`, and its
 * check accepts a list (`includes`) although the type names a single string.
 */
export const ID_TOKEN_ALGS = ['RS256', 'RS384', 'ES256', 'ES384'] as const;

export type RegistrationsService = ReturnType<typeof registrationsService>;
