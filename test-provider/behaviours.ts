/**
 * Switchable ways a real provider misbehaves or differs, read on every request so a test can flip
 * one between two calls (`provider.behaviours.failType = 'Observation'`). The README of this folder
 * has the table; each one is driven by a test in behaviours*.test.ts.
 */
export interface ProviderBehaviours {
  /** Next links carry an opaque cursor, or a HAPI-style `_getpages=<session>&_getpagesoffset=N`. */
  paging: 'cursor' | 'session';
  /** From the second page on, the next link 404s ('notFound') or points back at the first page ('loop'). */
  brokenNextLink: false | 'notFound' | 'loop';
  /** Every `every`-th FHIR request answers 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit: { every: number; retryAfterSeconds: number } | null;
  /** FHIR responses send their headers, then hold the body this long (a slow body, for read timeouts). */
  slowMs: number;
  /** Added before every request is handled (OAuth and FHIR): network latency. */
  latencyMs: number;
  /** Search Bundles carry an OperationOutcome entry with search.mode 'outcome'. */
  outcomeInSearch: boolean;
  /** Every 10th Observation and the first Condition read as status entered-in-error. */
  enteredInError: boolean;
  /** DocumentReference attachments point at `<secondHostBaseUrl>/Binary/<id>`, served there with the same token. */
  binaryOnSecondHost: boolean;
  /** The patient's first Observation references (derivedFrom) another patient's Observation. */
  foreignReference: boolean;
  /** The token response's `patient` is an alias; the Patient resource has its own, different id. */
  patientIdDiffers: boolean;
  /** `Patient/<id>/$everything` is served and declared in the CapabilityStatement; otherwise 404. */
  everything: boolean;
  /** Discovery advertises v2 scopes (`patient/*.rs`) or only v1 (`patient/*.read`). */
  scopesVersion: 'v1' | 'v2';
  /** Searches of this resource type answer 500. */
  failType: string | null;
  /** An Observation search without `category` answers 400 (as US Core servers may). */
  requireCategory: boolean;
  /** When set, the auto-approved grant holds only the requested scopes also listed here. */
  grantScopes: string[] | null;
}

export function defaultBehaviours(): ProviderBehaviours {
  return {
    paging: 'cursor',
    brokenNextLink: false,
    rateLimit: null,
    slowMs: 0,
    latencyMs: 0,
    outcomeInSearch: false,
    enteredInError: false,
    binaryOnSecondHost: false,
    foreignReference: false,
    patientIdDiffers: false,
    everything: true,
    scopesVersion: 'v2',
    failType: null,
    requireCategory: false,
    grantScopes: null,
  };
}
