import { recordStore } from '../records/record-store.ts';
import type { Vault } from '../vault/vault.ts';
import { FhirHttpError, fhirClient, type FetchLike, type FhirClientOptions, type SyncSession } from './fhir-client.ts';
import { DEFAULT_PER_HOST_CONCURRENCY, type HostLimiter } from './host-limiter.ts';
import { entriesOf, nextLinkOf, pageFingerprint, writeResources, type Bundle, type WriteTarget } from './sync-page.ts';
import { categoryFallback, planSteps, readCapabilities, stepType } from './sync-plan.ts';
import { fetchReferencesRound, MAX_REFERENCE_ROUNDS, reportNotFetched } from './sync-references.ts';
import { addIssue } from './sync-results.ts';
import type { SyncCheckpoint, SyncResults } from './sync-types.ts';

export const DEFAULT_PAGE_CAP = 10_000;
/**
 * Steps (type searches) whose first page is asked for ahead of their turn: one request slot of the
 * per-host concurrency stays for the current step's next page.
 */
const STEP_LOOKAHEAD = DEFAULT_PER_HOST_CONCURRENCY - 1;
/** The watermark is taken this long before the sync starts: clocks differ and records land while we page. */
const WATERMARK_MARGIN_MS = 5 * 60_000;

export interface SyncProgress {
  step: number;
  steps: number;
  type: string;
  pages: number;
  received: number;
  phase: 'records' | 'references';
}

export interface SyncRunOptions {
  vault: Vault;
  sourceId: string;
  jobId: string;
  session: SyncSession;
  fetch: FetchLike;
  limiter?: HostLimiter;
  retry?: Pick<FhirClientOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'retryAfterCapMs' | 'sleep' | 'random'>;
  /** The job's saved place (resume), or null for a fresh start. */
  checkpoint: SyncCheckpoint | null;
  results: SyncResults;
  /** `_lastUpdated` watermark of the last successful sync (incremental), or null for everything. */
  since: string | null;
  /** Saves the checkpoint and results in the system database (also run inside a token refresh's transaction). */
  saveProgress(checkpoint: SyncCheckpoint, results: SyncResults): void;
  /** Cancel: stops after the page being written. */
  signal?: AbortSignal;
  onProgress?(progress: SyncProgress): void;
  pageCap?: number;
  /** `_count` of each search (default sync-plan.ts PAGE_SIZE). */
  pageSize?: number;
  now?: () => number;
}

export interface SyncRunResult {
  cancelled: boolean;
  checkpoint: SyncCheckpoint;
  results: SyncResults;
}

/** Origins named by the SMART discovery document (SMART App Launch 2.x §Discovery): the provider's own hosts. */
function discoveryOrigins(document: unknown): string[] {
  const origins = new Set<string>();
  if (document && typeof document === 'object') {
    for (const value of Object.values(document as Record<string, unknown>)) {
      if (typeof value !== 'string' || !/^https?:\/\//.test(value)) continue;
      try {
        origins.add(new URL(value).origin);
      } catch {
        /* not a URL */
      }
    }
  }
  return [...origins];
}

/**
 * One sync of a provider source into a person's vault (issue 4 §5): reads the CapabilityStatement,
 * pages through Patient/$everything or one search per US Core type, writes each page in one vault
 * transaction, saves the checkpoint after it, then fetches referenced records in up to three rounds.
 * Resumable from any saved checkpoint; re-writing a page is harmless (unchanged).
 */
export async function runSync(options: SyncRunOptions): Promise<SyncRunResult> {
  const { session, results } = options;
  const base = session.fhirBaseUrl.replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  let checkpoint = options.checkpoint;
  const save = () => {
    if (checkpoint) options.saveProgress(checkpoint, results);
  };
  const client = fhirClient({ fetch: options.fetch, session, ...(options.limiter ? { limiter: options.limiter } : {}), ...options.retry, checkpoint: save });

  if (!checkpoint) {
    const startedAt = new Date(now() - WATERMARK_MARGIN_MS).toISOString();
    const metadata = await client.getJson(`${base}/metadata`).catch((error: unknown) => {
      if (!(error instanceof FhirHttpError)) throw error;
      addIssue(results, 'metadata', 'warnings', { code: 'metadata_unavailable', status: error.httpStatus });
      return undefined;
    });
    const discovery = await client.getJson(`${base}/.well-known/smart-configuration`).catch(() => undefined);
    // The launch patient first: a server may answer with a record of another id (a link or merge,
    // R4 patient.html#links); that id then counts as this person's for the compartment checks.
    const aliases: string[] = [];
    const launchPatient = (await client.getJson(`${base}/Patient/${encodeURIComponent(session.patientId)}`).catch(() => undefined)) as { resourceType?: string; id?: unknown } | undefined;
    if (launchPatient?.resourceType === 'Patient' && typeof launchPatient.id === 'string' && launchPatient.id !== session.patientId) aliases.push(launchPatient.id);
    const plan = planSteps({ patientId: session.patientId, scopes: session.grantedScopes, capabilities: readCapabilities(metadata), since: options.since, ...(options.pageSize ? { pageSize: options.pageSize } : {}) });
    checkpoint = { ...plan, stepIndex: 0, nextUrl: null, pages: 0, referenceRounds: 0, startedAt, since: options.since, attachmentOrigins: discoveryOrigins(discovery), patientAliases: aliases };
    save();
  }
  const target: WriteTarget = {
    store: recordStore(options.vault.db),
    db: options.vault.db,
    sourceId: options.sourceId,
    jobId: options.jobId,
    fhirBaseUrl: base,
    patientIds: new Set([session.patientId, ...checkpoint.patientAliases]),
    launchPatientId: session.patientId,
    results,
  };
  const pageCap = options.pageCap ?? DEFAULT_PAGE_CAP;
  let received = 0;
  // First pages of the steps ahead, asked for while the current step is paged and written, keyed
  // by URL (a category fallback inserts steps, so indexes move). Pages are still written strictly
  // in step order, so the checkpoint (step index + next URL) means what it did; an answer never
  // used (cancel) is dropped. The per-host limiter bounds what is really in flight.
  const ahead = new Map<string, Promise<unknown>>();
  const lookAhead = (from: number) => {
    const last = Math.min(checkpoint.steps.length, from + 1 + STEP_LOOKAHEAD);
    for (let i = from + 1; i < last; i++) {
      const url = `${base}/${checkpoint.steps[i]!}`;
      if (ahead.has(url)) continue;
      const request = client.getJson(url);
      request.catch(() => {}); // awaited (and its failure handled) when its step comes
      ahead.set(url, request);
    }
  };

  while (checkpoint.stepIndex < checkpoint.steps.length) {
    const stepIndex = checkpoint.stepIndex;
    const step = checkpoint.steps[stepIndex]!;
    const type = stepType(step);
    const seen = new Set<string>();
    let previous = '';
    let pageUrl = checkpoint.nextUrl ?? `${base}/${step}`;
    let pagesOfStep = 0;
    // The next page, asked for while this one is written: the provider's latency overlaps our work.
    let prefetched: Promise<unknown> | undefined;
    if (checkpoint.nextUrl === null) {
      prefetched = ahead.get(pageUrl);
      ahead.delete(pageUrl);
    }
    if (!options.signal?.aborted) lookAhead(stepIndex);
    for (;;) {
      if (options.signal?.aborted) return { cancelled: true, checkpoint, results };
      seen.add(pageUrl);
      let bundle: Bundle;
      try {
        // Cancel waits for the page in flight (the signal is checked between pages, never aborts a request).
        bundle = (await (prefetched ?? client.getJson(pageUrl))) as Bundle;
      } catch (error) {
        if (!(error instanceof FhirHttpError)) throw error;
        const fallback = pagesOfStep === 0 && checkpoint.nextUrl === null && error.httpStatus >= 400 && error.httpStatus < 500 ? categoryFallback(step) : [];
        if (fallback.length > 0) {
          // The server wants a category with this search (common for Observation): ask per category instead.
          addIssue(results, type, 'warnings', { code: 'search_needs_category', status: error.httpStatus });
          checkpoint.steps.splice(checkpoint.stepIndex + 1, 0, ...fallback);
        } else {
          addIssue(results, type, 'errors', { code: `http_${error.httpStatus}`, status: error.httpStatus, ...(error.outcomeCode ? { target: error.outcomeCode } : {}) });
        }
        break;
      }
      prefetched = undefined;
      if (bundle?.resourceType !== 'Bundle') {
        // A read (Patient/<id>) answers the resource itself.
        const single = bundle as unknown as Record<string, unknown>;
        if (typeof single?.resourceType === 'string') writeResources([single], target, type, true);
        else addIssue(results, type, 'errors', { code: 'not_a_bundle' });
        break;
      }
      const fingerprint = pageFingerprint(bundle);
      if (pagesOfStep > 0 && fingerprint !== '' && fingerprint === previous) {
        addIssue(results, type, 'errors', { code: 'paging_loop' });
        break;
      }
      previous = fingerprint;
      pagesOfStep++;
      const next = nextLinkOf(bundle, pageUrl, base);
      let stop = next.kind !== 'next';
      if (next.kind === 'foreign' || next.kind === 'broken') addIssue(results, type, 'errors', { code: next.kind === 'foreign' ? 'next_link_other_origin' : 'next_link_broken' });
      if (next.kind === 'next' && seen.has(next.url)) {
        addIssue(results, type, 'errors', { code: 'paging_loop' });
        stop = true;
      }
      if (next.kind === 'next' && pagesOfStep >= pageCap) {
        addIssue(results, type, 'errors', { code: 'page_cap_reached' });
        stop = true;
      }
      if (!stop && next.kind === 'next' && !options.signal?.aborted) {
        prefetched = client.getJson(next.url);
        prefetched.catch(() => {}); // awaited (and its failure handled) at the top of the loop
      }
      const entries = entriesOf(bundle);
      writeResources(entries, target, type, type === 'Patient' || type === 'Patient/$everything');
      received += entries.length;
      checkpoint.pages++;
      checkpoint.patientAliases = [...target.patientIds].filter((id) => id !== session.patientId);
      checkpoint.nextUrl = stop || next.kind !== 'next' ? null : next.url;
      if (stop) checkpoint.stepIndex++;
      save();
      options.onProgress?.({ step: checkpoint.stepIndex, steps: checkpoint.steps.length, type, pages: checkpoint.pages, received, phase: 'records' });
      if (stop) break;
      pageUrl = checkpoint.nextUrl!;
      // Yield between pages, so a cancel or an HTTP request can get in even when pages come fast.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (checkpoint.stepIndex === stepIndex) {
      // Left by an error or a category fallback: on to the next step.
      checkpoint.stepIndex++;
      checkpoint.nextUrl = null;
      save();
    }
  }

  const asked = new Set<string>();
  while (checkpoint.referenceRounds < MAX_REFERENCE_ROUNDS) {
    if (options.signal?.aborted) return { cancelled: true, checkpoint, results };
    const fetched = await fetchReferencesRound(client, target, checkpoint.attachmentOrigins, asked);
    checkpoint.referenceRounds = fetched === 0 ? MAX_REFERENCE_ROUNDS : checkpoint.referenceRounds + 1;
    save();
    options.onProgress?.({ step: checkpoint.stepIndex, steps: checkpoint.steps.length, type: 'references', pages: checkpoint.pages, received, phase: 'references' });
  }
  reportNotFetched(target, checkpoint.attachmentOrigins);
  target.store.transaction(() => target.store.resolvePendingReferences());
  return { cancelled: false, checkpoint, results };
}
