import type { Migration } from '../storage/migrations.ts';
import { INDEX_TABLES } from './index-tables.ts';

/**
 * Vault migration 4. The parameters below are answered from other parameters' rows since this
 * migration (src/fhir/search-index/stored-params.ts), so their rows, and every `_id` row, are never
 * read again; removing them gives back their space. The list is frozen here, as migrations are:
 * loading the FHIR definitions to compute it would cost every process that opens a vault 1 s and
 * ~100 MiB. `stored-params.test.ts` checks it against the derivation.
 */
export const DERIVED_PARAMS_AT_MIGRATION_4: Readonly<Record<string, readonly string[]>> = {
  Account: ['patient'],
  Appointment: ['location', 'patient', 'practitioner'],
  AppointmentResponse: ['location', 'patient', 'practitioner'],
  Basic: ['patient'],
  Bundle: ['message'],
  CapabilityStatement: ['version'],
  CarePlan: ['patient'],
  CareTeam: ['patient'],
  ChargeItem: ['patient'],
  ClinicalImpression: ['patient'],
  CodeSystem: ['url'],
  Communication: ['patient'],
  CommunicationRequest: ['patient'],
  Composition: ['patient'],
  Condition: ['patient'],
  Contract: ['patient'],
  Coverage: ['patient'],
  DeviceRequest: ['patient'],
  DeviceUseStatement: ['subject'],
  DiagnosticReport: ['patient'],
  DocumentManifest: ['patient'],
  DocumentReference: ['patient'],
  Encounter: ['patient', 'practitioner'],
  EnrollmentRequest: ['subject'],
  Flag: ['patient'],
  Goal: ['patient'],
  GuidanceResponse: ['patient'],
  ImagingStudy: ['patient'],
  Invoice: ['patient'],
  Linkage: ['source'],
  List: ['patient'],
  MeasureReport: ['patient'],
  Media: ['patient'],
  MedicationAdministration: ['patient'],
  MedicationDispense: ['patient'],
  MedicationRequest: ['patient'],
  MedicationStatement: ['patient'],
  Observation: ['combo-code', 'combo-data-absent-reason', 'combo-value-concept', 'combo-value-quantity', 'patient'],
  Patient: ['phonetic'],
  Person: ['patient', 'phonetic', 'practitioner', 'relatedperson'],
  Practitioner: ['phonetic'],
  Procedure: ['patient'],
  Provenance: ['patient'],
  QuestionnaireResponse: ['patient'],
  RelatedPerson: ['phonetic'],
  RequestGroup: ['patient'],
  ResearchSubject: ['patient'],
  RiskAssessment: ['patient'],
  ServiceRequest: ['patient'],
  Specimen: ['patient'],
  Task: ['patient'],
};

export const DERIVED_ROWS_MIGRATION: Migration = {
  id: 4,
  name: 'no index rows for derived search parameters',
  up: (db) => {
    // Each delete is a range of a (type, param, …) lookup index.
    for (const table of INDEX_TABLES) {
      const remove = db.prepare(`DELETE FROM ${table} WHERE type = ? AND param = ?`);
      for (const [type, codes] of Object.entries(DERIVED_PARAMS_AT_MIGRATION_4)) for (const code of codes) remove.run(type, code);
    }
    const removeIds = db.prepare("DELETE FROM idx_token WHERE type = ? AND param = '_id'");
    for (const type of db.prepare('SELECT DISTINCT type FROM resources').pluck().all() as string[]) removeIds.run(type);
  },
};
