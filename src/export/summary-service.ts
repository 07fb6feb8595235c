import type { Bundle } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';
import { auditWhat, type Caller, type PersonDoor } from '../fhir-api/person-door.ts';
import type { PeopleService } from '../people/people-service.ts';
import { ipsBundle } from './ips.ts';
import { summaryData, type SummaryData } from './summary-data.ts';
import { summaryHtml } from './summary-html.ts';
import { summaryPdf } from './summary-pdf.ts';

type Kind = 'ips' | 'html' | 'pdf';

/**
 * The patient summaries: the IPS document, the print view and its PDF. Each is a 'read' through the
 * person door (access first, then an audit entry in the person's trail, `summary=<kind>`).
 */
export function summaryService(door: PersonDoor, people: Pick<PeopleService, 'require'>, now: () => Date = () => new Date()) {
  function load(caller: Caller, personId: string, kind: Kind, patientId?: string): { data: SummaryData; personName: string } {
    const what = patientId === undefined ? auditWhat(undefined, [], `summary=${kind}`) : auditWhat('Patient', [patientId], `summary=${kind}`);
    return door.enter(caller, personId, 'read', { action: 'read', what }, (open) => {
      const data = summaryData(open.vault.db, patientId);
      if (patientId !== undefined && data.patient === undefined) throw new HearthError('not-found', `Patient/${patientId} is not here`);
      return { data, personName: people.require(personId).name };
    });
  }
  return {
    /** `base`: the person's FHIR base URL, for the entries' full URLs. */
    ips(caller: Caller, personId: string, base: string, patientId?: string): Bundle {
      const { data, personName } = load(caller, personId, 'ips', patientId);
      return ipsBundle(data, { base, personId, personName, now: now() });
    },
    html(caller: Caller, personId: string, stylesheet: string): string {
      const { data, personName } = load(caller, personId, 'html');
      return summaryHtml(data, { personName, now: now(), stylesheet });
    },
    async pdf(caller: Caller, personId: string): Promise<Uint8Array> {
      const { data, personName } = load(caller, personId, 'pdf');
      return summaryPdf(data, { personName, now: now() });
    },
  };
}

export type SummaryService = ReturnType<typeof summaryService>;
