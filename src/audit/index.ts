/** The audit trail: hash-chained entries in each database, verifiable, exportable as FHIR AuditEvent. */
export { auditLog, type AuditListQuery, type AuditLog, type AuditLogOptions } from './audit-log.ts';
export { AUDIT_ACTIONS, type AuditAction, type AuditEntry, type AuditEntryInput, type AuditOutcome, type AuditWhat } from './audit-entry.ts';
export type { AuditProblemKind, AuditVerification } from './audit-verify.ts';
export { toAuditEvent, type ToAuditEventOptions } from './audit-event.ts';
