import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempVault } from '../../test/helpers/temp-vault.ts';
import { validateFhirResource } from '../fhir/validate.ts';
import { AUDIT_ACTIONS, auditLog, toAuditEvent, type AuditLog, type AuditOutcome } from './index.ts';

let vault: ReturnType<typeof tempVault>;
let log: AuditLog;
beforeEach(() => {
  vault = tempVault();
  log = auditLog(vault.db);
});
afterEach(() => vault.dispose());

describe('toAuditEvent', () => {
  it('exports every action and outcome as a valid FHIR R4 AuditEvent', () => {
    const outcomes: AuditOutcome[] = ['success', 'failure', 'denied'];
    const addresses = ['127.0.0.1', '2001:db8::1', 'laptop.local', undefined];
    let index = 0;
    for (const action of AUDIT_ACTIONS) {
      for (const outcome of outcomes) {
        index++;
        const address = addresses[index % addresses.length];
        const entry = log.append({
          actor: `account-${index}`,
          ...(index % 2 === 0 ? { onBehalfOf: 'account-1' } : {}),
          ...(index % 3 !== 0 ? { personId: 'person-1' } : {}),
          action,
          what: [{ type: 'Observation', ids: ['o1', 'o2'] }, { type: 'Condition', query: 'clinical-status=active' }, { query: '_text=asthma' }, { type: 'Patient' }][index % 4]!,
          outcome,
          ...(address ? { sourceAddress: address } : {}),
          ...(index % 2 === 1 ? { requestId: `req-${index}` } : {}),
        });
        const event = toAuditEvent(entry, index % 5 === 0 ? { personReference: 'Patient/p1' } : {});
        expect(() => validateFhirResource(event), `${action}/${outcome}`).not.toThrow();
      }
    }
    expect(log.verify()).toEqual({ ok: true, entries: AUDIT_ACTIONS.length * 3 });
    // The validator is not vacuous: an AuditEvent without its required `recorded` is refused.
    const { recorded: _recorded, ...broken } = toAuditEvent(log.list({ limit: 1 })[0]!);
    expect(() => validateFhirResource(broken)).toThrow(/recorded/);
  });

  it('maps a read to Patient Record / R with the records as entity references', () => {
    const entry = log.append({
      actor: 'app-7',
      onBehalfOf: 'account-1',
      personId: 'person-1',
      action: 'read',
      what: { type: 'Observation', ids: ['o1', 'o2'] },
      outcome: 'success',
      sourceAddress: '192.0.2.1',
      requestId: 'req-1',
    });
    const event = toAuditEvent(entry, { personReference: 'Patient/p1' });
    expect(event).toMatchObject({
      resourceType: 'AuditEvent',
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110' },
      action: 'R',
      recorded: entry.recordedAt,
      outcome: '0',
      source: { observer: { display: 'Hearth' } },
    });
    expect(event.agent[0]).toEqual({ who: { display: 'app-7' }, requestor: true, network: { address: '192.0.2.1', type: '2' } });
    expect(event.agent[1]).toMatchObject({ who: { display: 'account-1' }, requestor: false });
    expect(event.entity?.map((e) => e.what?.reference)).toEqual(['Patient/p1', 'Observation/o1', 'Observation/o2', undefined]);
    expect(event.entity?.[3]?.what?.identifier?.value).toBe('req-1');
  });

  it('maps a search to rest / E with the query in base64, and outcomes to 0 / 4 / 8', () => {
    const search = log.append({ actor: 'a', action: 'search', what: { type: 'Condition', query: 'code=44054006' }, outcome: 'denied' });
    const event = toAuditEvent(search);
    expect(event.type.code).toBe('rest');
    expect(event.subtype?.[0]?.code).toBe('search-type');
    expect(event.action).toBe('E');
    expect(event.outcome).toBe('4');
    expect(Buffer.from(event.entity?.[0]?.query ?? '', 'base64').toString()).toBe('code=44054006');
    const login = toAuditEvent(log.append({ actor: 'a', action: 'login', outcome: 'failure' }));
    expect(login).toMatchObject({ type: { code: '110114' }, subtype: [{ code: '110122' }], action: 'E', outcome: '8' });
    expect(login.entity).toBeUndefined();
  });
});
