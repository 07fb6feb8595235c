import { describe, expect, it } from 'vitest';
import { isAllowedInsecure, normaliseFhirBase, scopesFor } from './discovery.ts';

describe('SMART discovery helpers', () => {
  it('takes an http(s) FHIR base without credentials, query or fragment, and drops a trailing slash', () => {
    expect(normaliseFhirBase(' https://fhir.example.org/r4/ ')).toBe('https://fhir.example.org/r4');
    for (const bad of ['file:///etc/passwd', 'gopher://x/', 'data:,x', 'https://user@fhir.example.org/', 'https://fhir.example.org/?a=1', 'https://fhir.example.org/#x', 'nope', 42]) {
      expect(() => normaliseFhirBase(bad), String(bad)).toThrow();
    }
  });

  it('allows plain http only for an allowlisted origin', () => {
    expect(isAllowedInsecure('https://fhir.example.org/token')).toBe(true);
    expect(isAllowedInsecure('http://fhir.example.org/token')).toBe(false);
    expect(isAllowedInsecure('http://127.0.0.1:8085/token', ['http://127.0.0.1:8085'])).toBe(true);
    expect(isAllowedInsecure('http://127.0.0.1:8086/token', ['http://127.0.0.1:8085'])).toBe(false);
  });

  it('asks the minimal SMART scopes, v1 without permission-v2, and a registration scope list in place of the data scopes', () => {
    expect(scopesFor({ scopesV2: true }, null)).toBe('launch/patient openid fhirUser offline_access patient/*.rs');
    expect(scopesFor({ scopesV2: false }, null)).toBe('launch/patient openid fhirUser offline_access patient/*.read');
    expect(scopesFor({ scopesV2: true }, 'openid patient/Observation.rs patient/Condition.rs')).toBe('launch/patient openid fhirUser offline_access patient/Observation.rs patient/Condition.rs');
  });
});
