import type { CapabilityStatement, CapabilityStatementRestResource, ResourceType } from '@medplum/fhirtypes';
import type { ProviderBehaviours } from './behaviours.ts';

/**
 * What the provider says about itself: SMART App Launch 2.x `.well-known/smart-configuration`
 * (§"SMART on FHIR configuration") and the FHIR R4 CapabilityStatement at `metadata`.
 */

export interface DiscoveryContext {
  issuer: string;
  fhirBaseUrl: string;
  behaviours: ProviderBehaviours;
  resourceTypes: ResourceType[];
}

export function smartConfiguration(context: DiscoveryContext): Record<string, unknown> {
  const { issuer, behaviours } = context;
  const v2 = behaviours.scopesVersion === 'v2';
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    revocation_endpoint: `${issuer}/token/revocation`,
    introspection_endpoint: `${issuer}/token/introspection`,
    grant_types_supported: ['authorization_code', 'refresh_token'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    // SMART App Launch 2.x §"PKCE": S256 only, never plain.
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'fhirUser', 'launch/patient', 'offline_access', v2 ? 'patient/*.rs' : 'patient/*.read'],
    capabilities: [
      'launch-standalone',
      'client-public',
      'client-confidential-symmetric',
      'client-confidential-asymmetric',
      'context-standalone-patient',
      'sso-openid-connect',
      'permission-offline',
      'permission-patient',
      v2 ? 'permission-v2' : 'permission-v1',
    ],
  };
}

export function capabilityStatement(context: DiscoveryContext): CapabilityStatement {
  const { issuer, behaviours } = context;
  const resources: CapabilityStatementRestResource[] = context.resourceTypes.map((type) => ({
    type,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: [
      { name: '_lastUpdated', type: 'date' },
      ...(type === 'Patient' ? [] : [{ name: 'patient', type: 'reference' as const }]),
      ...(type === 'Observation' || type === 'DocumentReference' ? [{ name: 'category', type: 'token' as const }] : []),
    ],
    // Declared only when served: a client must not call $everything on a server that lacks it.
    operation: type === 'Patient' && behaviours.everything
      ? [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }]
      : undefined,
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'Hearth test provider' },
    implementation: { description: 'Synthetic patients for Hearth tests', url: context.fhirBaseUrl },
    rest: [{
      mode: 'server',
      security: {
        service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
        extension: [{
          url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
          extension: [
            { url: 'authorize', valueUri: `${issuer}/auth` },
            { url: 'token', valueUri: `${issuer}/token` },
            { url: 'revoke', valueUri: `${issuer}/token/revocation` },
          ],
        }],
      },
      resource: resources,
    }],
  };
}
