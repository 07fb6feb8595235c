/**
 * The shapes a sync keeps. Issues are PHI-free by construction: a machine code, a resource type, an
 * HTTP status, an OperationOutcome issue code. Never a server's diagnostics text or a record's
 * content (they carry names, values, identifiers), so results can be shown, logged and audited.
 */
export type SyncTrigger = 'manual' | 'schedule' | 'connect';
export type SyncState = 'queued' | 'running' | 'succeeded' | 'failed' | 'partial' | 'cancelled';
export const FINISHED_STATES: readonly SyncState[] = ['succeeded', 'failed', 'partial', 'cancelled'];

export interface SyncIssue {
  /** e.g. 'http_503', 'invalid_resource', 'outcome:not-supported', 'next_link_loop', 'foreign_patient'. */
  code: string;
  status?: number;
  /** The resource type a reference pointed to, when the issue is about one. */
  target?: string;
  /** How many times it happened (issues are kept once each). */
  count?: number;
}

export interface TypeResult {
  new: number;
  updated: number;
  unchanged: number;
  warnings: SyncIssue[];
  errors: SyncIssue[];
}

export type SyncResults = Record<string, TypeResult>;

/** Where a job is: enough to resume it after a crash (sync-engine.ts). */
export interface SyncCheckpoint {
  mode: 'everything' | 'types';
  /** The searches to run, in order (URLs relative to the FHIR base). */
  steps: string[];
  stepIndex: number;
  /** The next page of the current step (absolute, same origin), or null to start the step. */
  nextUrl: string | null;
  pages: number;
  /** Rounds of fetching referenced records done (at most MAX_REFERENCE_ROUNDS). */
  referenceRounds: number;
  /** The server time this sync started, the next incremental's `_lastUpdated` watermark. */
  startedAt: string;
  /** `_lastUpdated=gt…` / `_since` of this sync, when incremental. */
  since: string | null;
  /** Origins besides the FHIR base's that may serve Binary attachments (the SMART discovery's hosts). */
  attachmentOrigins: string[];
  /** Patient ids the server returned for the launch patient (links), besides the launch context. */
  patientAliases: string[];
}

export interface SyncJob {
  id: string;
  sourceId: string;
  personId: string;
  actor: string;
  trigger: SyncTrigger;
  state: SyncState;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  checkpoint: SyncCheckpoint | null;
  results: SyncResults;
  error: string | null;
}

export const emptyTypeResult = (): TypeResult => ({ new: 0, updated: 0, unchanged: 0, warnings: [], errors: [] });
