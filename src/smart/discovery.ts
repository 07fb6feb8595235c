import * as oauth from 'oauth4webapi';
import { HearthError } from '../errors/hearth-error.ts';
import { parseAllowlist } from '../outbound/allowlist.ts';
import type { OutboundFetch } from './outbound-types.ts';

/** What Hearth keeps of a provider's SMART configuration (SMART App Launch 2.x §"SMART on FHIR well-known"). */
export interface ProviderEndpoints {
  fhirBaseUrl: string;
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint: string | null;
  jwksUri: string | null;
  issParameterSupported: boolean;
  /** 'permission-v2' in capabilities: SMART v2 scopes (`patient/*.rs`), else v1 (`patient/*.read`). */
  scopesV2: boolean;
}

export interface DiscoveryOptions {
  fetch: OutboundFetch;
  /** Origins the owner allowlisted (config `outboundAllowlist`): the only places plain http is accepted. */
  allowlist?: readonly string[];
}

const refused = (why: string) => new HearthError('provider', `the provider's SMART configuration cannot be used: ${why}`);

/** A FHIR base URL as typed: http(s), no credentials, no query or fragment, no trailing slash. */
export function normaliseFhirBase(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2000) throw new HearthError('invalid', 'fhirBaseUrl must be a URL');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new HearthError('invalid', 'fhirBaseUrl must be a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new HearthError('invalid', 'fhirBaseUrl must be an https URL');
  if (url.username || url.password || url.search || url.hash) throw new HearthError('invalid', 'fhirBaseUrl must not hold credentials, a query or a fragment');
  return url.href.replace(/\/+$/, '');
}

/** http is only for an owner-allowlisted origin (SECURITY.md SSRF: "https only (http only for an explicit admin allowlist)"). */
export function isAllowedInsecure(url: string, allowlist: readonly string[] = []): boolean {
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && parseAllowlist(allowlist).origins.has(parsed.origin));
}

function endpoint(config: Record<string, unknown>, name: string, allowlist: readonly string[], required: boolean): string | null {
  const value = config[name];
  if (value === undefined && !required) return null;
  if (typeof value !== 'string') throw refused(`it names no ${name}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refused(`its ${name} is not a URL`);
  }
  if (!isAllowedInsecure(url.href, allowlist)) throw refused(`its ${name} is not https`);
  return url.href;
}

/**
 * Reads `<base>/.well-known/smart-configuration` through the outbound client and refuses, before
 * any token request, what SECURITY.md "Hearth as a SMART client" forbids: missing endpoints, PKCE
 * without S256 (a `plain`-only server), an http token endpoint that is not allowlisted.
 */
export async function discoverProvider(fhirBaseUrl: string, options: DiscoveryOptions): Promise<ProviderEndpoints> {
  const allowlist = options.allowlist ?? [];
  if (!isAllowedInsecure(fhirBaseUrl, allowlist)) throw new HearthError('invalid', 'fhirBaseUrl must be an https URL');
  let config: Record<string, unknown>;
  try {
    const response = await options.fetch(`${fhirBaseUrl}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } });
    if (!response.ok) throw refused(`it answered HTTP ${response.status}`);
    const parsed: unknown = await response.json();
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw refused('it is not a JSON object');
    config = parsed as Record<string, unknown>;
  } catch (error) {
    if (error instanceof HearthError) throw error;
    throw refused('it could not be read');
  }
  const authorizationEndpoint = endpoint(config, 'authorization_endpoint', allowlist, true)!;
  const tokenEndpoint = endpoint(config, 'token_endpoint', allowlist, true)!;
  const revocationEndpoint = endpoint(config, 'revocation_endpoint', allowlist, false);
  let jwksUri = endpoint(config, 'jwks_uri', allowlist, false);
  const methods = config.code_challenge_methods_supported;
  // SMART App Launch 2.x requires servers to list S256. A SMART 1.0 server may omit the list; Hearth
  // sends S256 anyway and such a server is refused only when it lists methods without S256.
  if (methods !== undefined && (!Array.isArray(methods) || !methods.includes('S256'))) throw refused('it does not offer PKCE S256');
  const issuer = config.issuer;
  if (typeof issuer !== 'string' || issuer === '') throw refused('it names no issuer (needed to check the id_token)');
  if (jwksUri === null) jwksUri = await jwksFromOpenIdConfiguration(issuer, options);
  const capabilities = Array.isArray(config.capabilities) ? config.capabilities : [];
  return {
    fhirBaseUrl,
    issuer,
    authorizationEndpoint,
    tokenEndpoint,
    revocationEndpoint,
    jwksUri,
    issParameterSupported: config.authorization_response_iss_parameter_supported === true,
    scopesV2: capabilities.includes('permission-v2'),
  };
}

/** SMART lists jwks_uri only "if available": the issuer's OpenID configuration must have it then. */
async function jwksFromOpenIdConfiguration(issuer: string, options: DiscoveryOptions): Promise<string> {
  try {
    const issuerUrl = new URL(issuer);
    const response = await oauth.discoveryRequest(issuerUrl, {
      [oauth.customFetch]: options.fetch as typeof fetch,
      ...(isAllowedInsecure(issuer, options.allowlist) && issuerUrl.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {}),
    });
    const metadata = await oauth.processDiscoveryResponse(issuerUrl, response);
    if (typeof metadata.jwks_uri !== 'string') throw new Error('no jwks_uri');
    return endpoint(metadata as unknown as Record<string, unknown>, 'jwks_uri', options.allowlist ?? [], true)!;
  } catch (error) {
    if (error instanceof HearthError) throw error;
    throw refused('neither it nor the issuer names the keys (jwks_uri) that sign id_tokens');
  }
}

/** oauth4webapi's view of the server, rebuilt from what is stored. */
export function authorizationServerOf(endpoints: Omit<ProviderEndpoints, 'scopesV2' | 'fhirBaseUrl' | 'issParameterSupported'> & { issParameterSupported: boolean | number }): oauth.AuthorizationServer {
  return {
    issuer: endpoints.issuer,
    authorization_endpoint: endpoints.authorizationEndpoint,
    token_endpoint: endpoints.tokenEndpoint,
    ...(endpoints.revocationEndpoint ? { revocation_endpoint: endpoints.revocationEndpoint } : {}),
    ...(endpoints.jwksUri ? { jwks_uri: endpoints.jwksUri } : {}),
    authorization_response_iss_parameter_supported: Boolean(endpoints.issParameterSupported),
  };
}

/**
 * Hearth's minimal scopes (SECURITY.md): v2 `patient/*.rs`, or v1 `patient/*.read` where the server
 * lacks permission-v2. A registration's own scope list, when set, replaces them (a vendor may
 * approve fewer); the SMART launch and OpenID scopes are kept either way.
 */
export function scopesFor(endpoints: Pick<ProviderEndpoints, 'scopesV2'>, registrationScopes: string | null): string {
  const base = ['launch/patient', 'openid', 'fhirUser', 'offline_access'];
  const data = registrationScopes ? registrationScopes.split(' ').filter((s) => !base.includes(s)) : [endpoints.scopesV2 ? 'patient/*.rs' : 'patient/*.read'];
  return [...base, ...data].join(' ');
}
