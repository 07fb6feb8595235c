import type { IncomingMessage, ServerResponse } from 'node:http';
import { getStatus, isResourceType, parseSearchRequest } from '@medplum/core';
import { FhirRouter, makeSimpleRequest } from '@medplum/fhir-router';
import type { Binary, DocumentReference, Resource, ResourceType } from '@medplum/fhirtypes';
import type { OidcToken } from 'oidc-provider';
import type { AuthorizationServer } from './authorization-server.ts';
import type { ProviderBehaviours } from './behaviours.ts';
import type { Dataset, DatasetPatient } from './dataset.ts';
import { extractIndexRows } from '../src/fhir/search-index/index.ts';
import { capabilityStatement, smartConfiguration } from './discovery.ts';
import { SearchPages, matchEntry, outcomeEntry, searchBundle, type PageRequest, type StoredSearch } from './paging.ts';
import { parseAttachmentBinaryId, transformOutgoing, type TransformContext } from './transforms.ts';

/**
 * The FHIR R4 API: read and search over each patient's MemoryRepository (reads through medplum's
 * FhirRouter), paging, SMART discovery and the CapabilityStatement, and the Binary endpoint of the
 * "second host". Every data request needs a bearer token that oidc-provider knows; the token's
 * patient selects the one repository it may see, and its scopes the resource types.
 */

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const PAGING_PARAMS = ['_count', '_cursor', '_getpages', '_getpagesoffset', '_bundletype', '_format'];
const DEFAULT_COUNT = 50;
const MAX_COUNT = 500;

export interface FhirApiOptions {
  issuer: string;
  fhirBaseUrl: string;
  secondHostBaseUrl: string;
  dataset: Dataset;
  behaviours: ProviderBehaviours;
  auth: AuthorizationServer;
}

class FhirFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, diagnostics: string, headers: Record<string, string> = {}) {
    super(diagnostics);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const MAX_FORM_BYTES = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FhirFailure(413, 'too-costly', 'Search form too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** SMART scopes: v1 `patient/Observation.read`, v2 `patient/*.rs` (App Launch 2.x §"Scopes"). */
function scopeAllows(scope: string, resourceType: string, kind: 'r' | 's'): boolean {
  return scope.split(' ').some((entry) => {
    const match = /^patient\/(\*|[A-Za-z]+)\.(read|\*|[cruds]+)$/.exec(entry);
    if (!match || (match[1] !== '*' && match[1] !== resourceType)) return false;
    return match[2] === 'read' || match[2] === '*' || match[2]!.includes(kind);
  });
}

export function createFhirApi(options: FhirApiOptions) {
  const { dataset, behaviours, fhirBaseUrl, auth } = options;
  const router = new FhirRouter();
  const pages = new SearchPages();
  const basePath = new URL(fhirBaseUrl).pathname;
  const resourceTypes = [...new Set(dataset.patients.flatMap((patient) => [...patient.types]))].sort() as ResourceType[];
  let requestCount = 0;
  let firsts: TransformContext['firsts'] | undefined;

  async function transformContext(patient: DatasetPatient): Promise<TransformContext> {
    if (!firsts) {
      firsts = new Map();
      for (const candidate of dataset.patients) {
        const first = async (resourceType: ResourceType) => (await candidate.repo.search({ resourceType, count: 1 })).entry?.[0]?.resource?.id;
        firsts.set(candidate.id, { Observation: await first('Observation'), Condition: await first('Condition') });
      }
    }
    return { behaviours, dataset, patient, secondHostBaseUrl: options.secondHostBaseUrl, firsts };
  }

  async function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
    const payload = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': FHIR_JSON, 'content-length': String(payload.length), ...headers });
    if (behaviours.slowMs > 0) {
      res.flushHeaders();
      await sleep(behaviours.slowMs);
    }
    res.end(payload);
  }

  function outcome(code: string, diagnostics: string): Resource {
    return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: code as 'processing', diagnostics }] };
  }

  async function authenticate(req: IncomingMessage): Promise<{ token: OidcToken; patient: DatasetPatient }> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header);
    const token = match ? await auth.findAccessToken(match[1]!) : undefined;
    const patient = token ? dataset.byId.get(token.accountId) : undefined;
    // RFC 6750 §3: a missing, unknown, expired or revoked token is 401 with WWW-Authenticate.
    if (!token || !patient) throw new FhirFailure(401, 'login', 'A valid bearer token is required', { 'www-authenticate': 'Bearer error="invalid_token"' });
    return { token, patient };
  }

  function requireScope(token: OidcToken, resourceType: string, kind: 'r' | 's'): void {
    if (!scopeAllows(token.scope ?? '', resourceType, kind)) {
      throw new FhirFailure(403, 'forbidden', 'The token has no scope for this resource type', { 'www-authenticate': 'Bearer error="insufficient_scope"' });
    }
  }

  /** `patient=`, `subject=` and Patient `_id=` may only name the token's own patient (id or alias). */
  function compartmentQuery(query: URLSearchParams, patient: DatasetPatient, resourceType: string): URLSearchParams {
    const out = new URLSearchParams();
    for (const [name, value] of query) {
      if (PAGING_PARAMS.includes(name)) continue;
      const isPatientParam = name === 'patient' || name === 'subject' || (resourceType === 'Patient' && name === '_id');
      if (!isPatientParam) {
        out.append(name, value);
        continue;
      }
      const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
      if (dataset.patient(id) !== patient) throw new FhirFailure(403, 'forbidden', 'Outside the patient compartment of this token');
      out.append(name, name === '_id' ? patient.id : `Patient/${patient.id}`);
    }
    return out;
  }

  /**
   * The whole result set of a search, in page order. Computed once, at the search's first page, and
   * kept with the stored search (paging.ts): later pages slice that snapshot instead of re-running
   * the search (MemoryRepository clones every match on each call, so a 10,000-record `$everything`
   * walked page by page cost O(pages × records)). Like a server's stored search (HAPI's
   * `_getpages`), the pages of one search show the records as they were when it started.
   */
  async function searchAll(search: StoredSearch, patient: DatasetPatient): Promise<Resource[]> {
    if (search.target === '$everything') {
      const all: Resource[] = [];
      for (const resourceType of [...patient.types].sort() as ResourceType[]) {
        for (const entry of (await patient.repo.search({ resourceType })).entry ?? []) if (entry.resource) all.push(entry.resource);
      }
      return all;
    }
    // The compartment parameters (compartmentQuery let through only `Patient/<this patient>`) are
    // matched with Hearth's compiled search-index extractor, the rest by MemoryRepository, which
    // evaluates `Observation.subject.where(resolve() is Patient)` through FHIRPath for every record
    // (about 1 ms each: 8 s for a 7,000-Observation first page). Same matches, see
    // src/fhir/search-index/extract-equivalence.test.ts.
    const record: Record<string, string[]> = {};
    const compartment: string[] = [];
    for (const [name, value] of search.query) {
      if (name === 'patient' || name === 'subject') compartment.push(name);
      else (record[name] ??= []).push(value);
    }
    let request;
    try {
      request = parseSearchRequest(search.target as 'Observation', record);
    } catch (error) {
      throw new FhirFailure(400, 'invalid', error instanceof Error ? error.message : 'Invalid search');
    }
    const { offset: _offset, count: _count, ...unpaged } = request;
    const bundle = await patient.repo.search(unpaged);
    const found = (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
    return compartment.length === 0 ? found : found.filter((resource) => inCompartment(resource, compartment, patient.id));
  }

  /** Whether every one of the parameters (`patient`, `subject`) of the resource refers to Patient/<id>. */
  function inCompartment(resource: Resource, params: string[], patientId: string): boolean {
    const references = extractIndexRows(resource, undefined, { everyParameter: true }).references;
    return params.every((param) => references.some((row) => row.param === param && row.targetType === 'Patient' && row.targetId === patientId));
  }

  async function runPage(page: PageRequest, patient: DatasetPatient): Promise<{ resources: Resource[]; total: number }> {
    const { search } = page;
    const all = await pages.snapshot(search, () => searchAll(search, patient));
    return { resources: all.slice(page.offset, page.offset + search.count), total: all.length };
  }

  async function answerPage(res: ServerResponse, page: PageRequest, patient: DatasetPatient, selfUrl: string): Promise<void> {
    const target = page.search.target;
    if (behaviours.failType && target === behaviours.failType) throw new FhirFailure(500, 'exception', 'Internal server error');
    const { resources, total } = await runPage(page, patient);
    const context = await transformContext(patient);
    const entries = resources.map((resource) => matchEntry(fhirBaseUrl, transformOutgoing(resource, context)));
    if (behaviours.outcomeInSearch && page.offset === 0) entries.push(outcomeEntry());
    const links = [{ relation: 'self', url: selfUrl }];
    const nextOffset = page.offset + page.search.count;
    if (nextOffset < total) links.push({ relation: 'next', url: pages.nextLink(fhirBaseUrl, page, nextOffset, behaviours) });
    await send(res, 200, searchBundle(entries, total, links));
  }

  function pageCount(query: URLSearchParams): number {
    const raw = query.get('_count');
    const count = raw === null ? DEFAULT_COUNT : Number(raw);
    if (!Number.isInteger(count) || count < 1) throw new FhirFailure(400, 'invalid', '_count must be a positive integer');
    return Math.min(count, MAX_COUNT);
  }

  async function read(res: ServerResponse, patient: DatasetPatient, resourceType: string, id: string): Promise<void> {
    // patientIdDiffers: the launch context's alias resolves to the patient's own record.
    const realId = resourceType === 'Patient' && dataset.patient(id) === patient ? patient.id : id;
    const [result, resource] = await router.handleRequest(makeSimpleRequest('GET', `/${resourceType}/${realId}`), patient.repo);
    if (getStatus(result) !== 200 || !resource) throw new FhirFailure(404, 'not-found', 'Not found');
    await send(res, 200, transformOutgoing(resource, await transformContext(patient)));
  }

  async function dataRequest(req: IncomingMessage, res: ServerResponse, requestUrl: URL, requestSegments: string[]): Promise<void> {
    let url = requestUrl;
    let segments = requestSegments;
    // FHIR R4 http.html#search: POST <Type>/_search with a form body is the same search as a GET.
    const postSearch = req.method === 'POST' && segments.length === 2 && segments[1] === '_search';
    if (req.method !== 'GET' && !postSearch) throw new FhirFailure(405, 'not-supported', 'This server is read-only');
    if (postSearch) {
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        throw new FhirFailure(415, 'not-supported', 'POST _search takes application/x-www-form-urlencoded');
      }
      const query = new URLSearchParams(url.search);
      for (const [name, value] of new URLSearchParams(await readBody(req))) query.append(name, value);
      url = new URL(`${fhirBaseUrl}/${segments[0]}?${query}`);
      segments = [segments[0]!];
    }
    requestCount++;
    const limit = behaviours.rateLimit;
    if (limit && limit.every > 0 && requestCount % limit.every === 0) {
      throw new FhirFailure(429, 'throttled', 'Too many requests', { 'retry-after': String(limit.retryAfterSeconds) });
    }
    const { token, patient } = await authenticate(req);
    const selfUrl = url.href;

    if (segments.length === 0) {
      // HAPI-style paging link: <base>?_getpages=<id>&_getpagesoffset=N
      const offset = Number(url.searchParams.get('_getpagesoffset') ?? '0');
      const page = pages.session(url.searchParams.get('_getpages') ?? '', Number.isInteger(offset) && offset >= 0 ? offset : 0);
      if (!page || page.search.patientId !== patient.id) throw new FhirFailure(404, 'not-found', 'Unknown or expired search');
      requireScope(token, page.search.target === '$everything' ? 'Patient' : page.search.target, 's');
      return answerPage(res, page, patient, selfUrl);
    }
    const [resourceType, id, operation] = segments as [string, string | undefined, string | undefined];
    if (!isResourceType(resourceType)) throw new FhirFailure(404, 'not-found', 'Unknown resource type');

    const cursor = url.searchParams.get('_cursor');
    if (cursor !== null) {
      const page = pages.cursor(cursor);
      if (!page || page.search.patientId !== patient.id) throw new FhirFailure(404, 'not-found', 'Unknown or expired search');
      requireScope(token, page.search.target === '$everything' ? 'Patient' : page.search.target, 's');
      return answerPage(res, page, patient, selfUrl);
    }

    if (id === undefined) {
      requireScope(token, resourceType, 's');
      const query = compartmentQuery(url.searchParams, patient, resourceType);
      if (behaviours.requireCategory && resourceType === 'Observation' && !query.has('category')) {
        throw new FhirFailure(400, 'required', 'Observation searches require a category (US Core)');
      }
      const search = { patientId: patient.id, target: resourceType, query, count: pageCount(url.searchParams), firstUrl: selfUrl };
      return answerPage(res, { search, offset: 0 }, patient, selfUrl);
    }
    if (operation === '$everything' && resourceType === 'Patient' && segments.length === 3) {
      if (!behaviours.everything) throw new FhirFailure(404, 'not-supported', 'Operation $everything is not supported');
      if (dataset.patient(id) !== patient) throw new FhirFailure(404, 'not-found', 'Not found');
      requireScope(token, 'Patient', 's');
      const search = { patientId: patient.id, target: '$everything', query: new URLSearchParams(), count: pageCount(url.searchParams), firstUrl: selfUrl };
      return answerPage(res, { search, offset: 0 }, patient, selfUrl);
    }
    if (segments.length !== 2) throw new FhirFailure(404, 'not-found', 'Not found');
    requireScope(token, resourceType, 'r');
    return read(res, patient, resourceType, id);
  }

  async function secondHostBinary(patient: DatasetPatient, id: string): Promise<Binary | undefined> {
    const inline = parseAttachmentBinaryId(id);
    try {
      if (!inline) return await patient.repo.readResource<Binary>('Binary', id);
      const document = await patient.repo.readResource<DocumentReference>('DocumentReference', inline.documentReferenceId);
      const attachment = document.content[inline.index]?.attachment;
      if (attachment?.data === undefined) return undefined;
      return { resourceType: 'Binary', id, contentType: attachment.contentType ?? 'application/octet-stream', data: attachment.data };
    } catch {
      return undefined; // not in this patient's compartment
    }
  }

  async function guarded(res: ServerResponse, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof FhirFailure) return send(res, error.status, outcome(error.code, error.message), error.headers);
      console.error('test provider: FHIR request failed', error);
      return send(res, 500, outcome('exception', 'Internal server error'));
    }
  }

  return {
    resourceTypes,
    /** Handles paths under the FHIR base; false when the path is not ours. */
    async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
      if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return false;
      const rest = url.pathname.slice(basePath.length).split('/').filter(Boolean).map(decodeURIComponent);
      const discovery = { issuer: options.issuer, fhirBaseUrl, behaviours, resourceTypes };
      await guarded(res, async () => {
        if (rest.join('/') === '.well-known/smart-configuration') {
          const body = Buffer.from(JSON.stringify(smartConfiguration(discovery)));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) }).end(body);
          return;
        }
        if (rest.length === 1 && rest[0] === 'metadata') return send(res, 200, capabilityStatement(discovery));
        return dataRequest(req, res, url, rest);
      });
      return true;
    },
    /** The second host: `GET /Binary/<id>` with the same bearer token, raw bytes unless FHIR JSON is asked for. */
    async handleSecondHost(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
      await guarded(res, async () => {
        const match = /^\/Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(url.pathname);
        if (req.method !== 'GET' || !match) throw new FhirFailure(404, 'not-found', 'Not found');
        const { token, patient } = await authenticate(req);
        requireScope(token, 'Binary', 'r');
        const binary = await secondHostBinary(patient, match[1]!);
        if (!binary) throw new FhirFailure(404, 'not-found', 'Not found');
        if ((req.headers.accept ?? '').includes('fhir+json')) return send(res, 200, binary);
        const bytes = Buffer.from(binary.data ?? '', 'base64');
        res.writeHead(200, { 'content-type': binary.contentType, 'content-length': String(bytes.length) }).end(bytes);
      });
    },
  };
}
