import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * The one error shape of Hearth. `code` is stable and machine-readable; `status` is the HTTP status
 * the server answers with; `exitCode` is what the CLI exits with (1 = the user's input, 2 = ours).
 * FHIR-facing code turns it into an OperationOutcome with {@link toOperationOutcome}.
 */
export type ErrorCode =
  | 'invalid' // input that is not what was asked for (bad FHIR, bad query, bad file)
  | 'not-found'
  | 'gone' // a record that was deleted (FHIR http.html#read: 410)
  | 'precondition-failed' // an If-Match that no longer holds (FHIR http.html#concurrency: 412)
  | 'conflict'
  | 'forbidden'
  | 'unauthenticated' // no valid session, or a failed login
  | 'too-many' // too many attempts: try again later
  | 'too-large'
  | 'unsupported'
  | 'key' // a missing or wrong key, an unencrypting SQLite build
  | 'version' // a database written by a newer Hearth
  | 'internal'
  // A request to another server (a provider's FHIR endpoint) that the SSRF guard refused before
  // connecting, or that failed on the way (network, timeout, too large): src/outbound/.
  | 'outbound_refused'
  | 'outbound_failed';

const STATUS: Record<ErrorCode, number> = {
  invalid: 400,
  'not-found': 404,
  gone: 410,
  'precondition-failed': 412,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  'too-many': 429,
  'too-large': 413,
  unsupported: 422,
  key: 500,
  version: 500,
  internal: 500,
  outbound_refused: 502,
  outbound_failed: 502,
};

// FHIR R4 IssueType codes (http://hl7.org/fhir/R4/valueset-issue-type.html) for each of ours.
const ISSUE_TYPE: Record<ErrorCode, OperationOutcomeIssue['code']> = {
  invalid: 'invalid',
  'not-found': 'not-found',
  gone: 'deleted',
  'precondition-failed': 'conflict',
  conflict: 'conflict',
  forbidden: 'forbidden',
  unauthenticated: 'login',
  'too-many': 'throttled',
  'too-large': 'too-costly',
  unsupported: 'not-supported',
  key: 'security',
  version: 'not-supported',
  internal: 'exception',
  outbound_refused: 'security',
  outbound_failed: 'transient',
};

export interface ErrorIssue {
  /** FHIRPath of the offending element, e.g. `Observation.status`. */
  expression?: string;
  message: string;
}

export class HearthError extends Error {
  readonly code: ErrorCode;
  readonly issues: ErrorIssue[];

  constructor(code: ErrorCode, message: string, issues: ErrorIssue[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HearthError';
    this.code = code;
    this.issues = issues;
  }

  get status(): number {
    return STATUS[this.code];
  }

  /** User errors (bad input, missing things) exit 1; our own failures exit 2. */
  get exitCode(): 1 | 2 {
    // A URL the outbound policy refuses is the user's input, like a bad file.
    return this.status >= 500 && this.code !== 'key' && this.code !== 'version' && this.code !== 'outbound_refused' ? 2 : 1;
  }
}

export function isHearthError(error: unknown): error is HearthError {
  return error instanceof HearthError;
}

/** Anything thrown becomes a HearthError; unknown failures become `internal` without leaking details. */
export function asHearthError(error: unknown): HearthError {
  if (isHearthError(error)) return error;
  return new HearthError('internal', 'internal error', [], { cause: error });
}

export function toOperationOutcome(error: HearthError): OperationOutcome {
  const issues = error.issues.length > 0 ? error.issues : [{ message: error.message }];
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((issue) => ({
      severity: 'error',
      code: ISSUE_TYPE[error.code],
      diagnostics: issue.message,
      ...(issue.expression ? { expression: [issue.expression] } : {}),
    })),
  };
}
