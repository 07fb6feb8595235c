import { auditWhat, type Caller, type PersonDoor } from '../fhir-api/person-door.ts';
import type { SourcesRepository } from '../sources/sources-repository.ts';
import { buildDashboard, type Dashboard } from './dashboard.ts';
import { healthRepository, type HealthRepository } from './health-repository.ts';
import { labOverview, labTest, type LabOverview, type LabTestDetail } from './labs.ts';
import { timelinePage, type TimelinePage, type TimelineQuery } from './timeline.ts';
import type { OpenVault } from '../fhir-api/vault-cache.ts';

export interface HealthServiceOptions {
  /** The clock of "typically due" immunisations (tests fix it). */
  now?: () => Date;
}

/**
 * The person's dashboard, timeline and lab results: each through the person door (access checked
 * first, then an audit entry in the person's trail: reads of one page as 'read', filtered lists as
 * 'search').
 */
export function healthService(door: PersonDoor, sources: SourcesRepository, options: HealthServiceOptions = {}) {
  const now = options.now ?? (() => new Date());
  // Prepared statements per open vault, reused across requests (the vault cache keeps handles open).
  const repositories = new WeakMap<OpenVault, HealthRepository>();
  const repositoryOf = (open: OpenVault) => {
    let repository = repositories.get(open);
    if (!repository) repositories.set(open, (repository = healthRepository(open.vault.db)));
    return repository;
  };
  // Source labels live in the system database; a source of another person is never named.
  const labelFor = (personId: string) => (id: string) => {
    const source = sources.get(id);
    return source && source.personId === personId ? source.label : undefined;
  };
  return {
    dashboard: (caller: Caller, personId: string): Dashboard =>
      door.enter(caller, personId, 'read', { action: 'read', what: auditWhat(undefined, [], 'dashboard') }, (open) =>
        buildDashboard(repositoryOf(open), {
          now: now(),
          sourceLabel: labelFor(personId),
        }),
      ),

    timeline: (caller: Caller, personId: string, query: TimelineQuery): TimelinePage =>
      door.enter(caller, personId, 'search', { action: 'search', what: auditWhat('Encounter', [], 'timeline') }, (open) => timelinePage(repositoryOf(open), query, labelFor(personId))),

    labs: (caller: Caller, personId: string): LabOverview =>
      door.enter(caller, personId, 'search', { action: 'search', what: auditWhat('Observation', [], 'labs') }, (open) => labOverview(repositoryOf(open))),

    labTest: (caller: Caller, personId: string, loinc: string, limit?: number): LabTestDetail =>
      door.enter(caller, personId, 'search', { action: 'search', what: auditWhat('Observation', [], /^\d{1,7}-\d$/.test(loinc) ? `labs code=${loinc}` : 'labs') }, (open) =>
        labTest(repositoryOf(open), loinc, labelFor(personId), limit),
      ),
  };
}

export type HealthService = ReturnType<typeof healthService>;
