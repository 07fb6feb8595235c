import type { AuditEvent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import type { AuditAction, AuditEntry, AuditOutcome } from './audit-entry.ts';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';

const dcm = (code: string, display: string): Coding => ({ system: DCM, code, display });

/**
 * AuditEvent.type and .subtype per action, from the DICOM audit event ids (PS3.15 Annex A.5 / DCM
 * 110100-110137) that FHIR R4's audit-event-type value set includes; searches use FHIR's own
 * `rest` type with the restful-interaction subtype (FHIR R4 AuditEvent §6.4.4.2).
 * AuditEvent.action (R4 valueset audit-event-action): C create, R read, U update, D delete,
 * E execute (log-on, queries/searches, running a function).
 */
const EVENT: Record<AuditAction, { type: Coding; subtype?: Coding; action: AuditEvent['action'] }> = {
  read: { type: dcm('110110', 'Patient Record'), subtype: { system: RESTFUL_INTERACTION, code: 'read', display: 'read' }, action: 'R' },
  search: { type: { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' }, subtype: { system: RESTFUL_INTERACTION, code: 'search-type', display: 'search type' }, action: 'E' },
  write: { type: dcm('110110', 'Patient Record'), subtype: { system: RESTFUL_INTERACTION, code: 'update', display: 'update' }, action: 'U' },
  delete: { type: dcm('110110', 'Patient Record'), subtype: { system: RESTFUL_INTERACTION, code: 'delete', display: 'delete' }, action: 'D' },
  import: { type: dcm('110107', 'Import'), action: 'C' },
  sync: { type: dcm('110107', 'Import'), action: 'C' },
  export: { type: dcm('110106', 'Export'), action: 'R' },
  backup: { type: dcm('110106', 'Export'), action: 'R' },
  login: { type: dcm('110114', 'User Authentication'), subtype: dcm('110122', 'Login'), action: 'E' },
  logout: { type: dcm('110114', 'User Authentication'), subtype: dcm('110123', 'Logout'), action: 'E' },
  setting: { type: dcm('110113', 'Security Alert'), subtype: dcm('110131', 'Software Configuration'), action: 'U' },
  share: { type: dcm('110113', 'Security Alert'), subtype: dcm('110137', 'User Security Attributes Changed'), action: 'U' },
};

// R4 audit-event-outcome: 0 success, 4 minor failure (here: refused), 8 serious failure.
const OUTCOME: Record<AuditOutcome, AuditEvent['outcome']> = { success: '0', denied: '4', failure: '8' };

export interface ToAuditEventOptions {
  /** The person's FHIR reference (e.g. `Patient/123`) in the exported data, when known. */
  personReference?: string;
}

/** One audit entry as a FHIR R4 AuditEvent. The chain hash is not exported; verify works on the database. */
export function toAuditEvent(entry: AuditEntry, options: ToAuditEventOptions = {}): AuditEvent {
  const event = EVENT[entry.action];
  const agent: AuditEvent['agent'] = [
    {
      who: { display: entry.actor },
      requestor: true,
      ...(entry.sourceAddress ? { network: { address: entry.sourceAddress, type: networkType(entry.sourceAddress) } } : {}),
    },
  ];
  if (entry.onBehalfOf) {
    // R4 has no agent.onBehalfOf (R5 does): the represented party is a second, non-requesting agent.
    agent.push({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass', code: 'PAT', display: 'patient' }] },
      who: { display: entry.onBehalfOf },
      requestor: false,
    });
  }
  const entity: AuditEventEntity[] = [];
  if (options.personReference || entry.personId) {
    entity.push({
      what: options.personReference ? { reference: options.personReference } : { display: `person ${entry.personId}` },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    });
  }
  const what = entry.what;
  if (what?.ids && what.type) {
    for (const id of what.ids) {
      entity.push({ what: { reference: `${what.type}/${id}` }, type: { system: RESOURCE_TYPES, code: what.type } });
    }
  } else if (what?.type && what.query === undefined) {
    entity.push({ type: { system: RESOURCE_TYPES, code: what.type } });
  }
  if (what?.query !== undefined) {
    entity.push({
      type: what.type ? { system: RESOURCE_TYPES, code: what.type } : { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(what.query, 'utf8').toString('base64'),
    });
  }
  if (entry.requestId) {
    // R4 AuditEvent has no request id element; it goes in as the system object the event is about.
    entity.push({
      what: { identifier: { type: { text: 'request id' }, value: entry.requestId } },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
    });
  }
  return {
    resourceType: 'AuditEvent',
    id: `audit-${entry.seq}`,
    type: event.type,
    ...(event.subtype ? { subtype: [event.subtype] } : {}),
    action: event.action,
    recorded: entry.recordedAt,
    outcome: OUTCOME[entry.outcome],
    agent,
    source: {
      observer: { display: 'Hearth' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    ...(entity.length > 0 ? { entity } : {}),
  };
}

/** R4 network-type: 1 machine name, 2 IP address. */
function networkType(address: string): '1' | '2' {
  return /^[0-9.]+$/.test(address) || address.includes(':') ? '2' : '1';
}
