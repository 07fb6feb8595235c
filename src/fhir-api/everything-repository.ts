import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { storedCodes } from '../fhir/search-index/index.ts';
import { patientCompartmentParams } from '../import/patient-compartment.ts';

export interface EverythingRow {
  rid: number;
  /** `match`: the patient or a record in their compartment; `include`: a record one of those refers to. */
  mode: 'match' | 'include';
}

/**
 * The compartment as JSON `[[type, param], ...]`, bound as one SQL parameter: the parameters whose
 * rows hold the references (stored-params.ts: Encounter `patient` is answered by `subject` rows to a
 * Patient, which the query's `target_type = 'Patient'` selects).
 */
let compartmentPairs: string | undefined;
function pairsJson(): string {
  compartmentPairs ??= JSON.stringify([...patientCompartmentParams()].flatMap(([type, params]) => storedCodes(type, params).map((param) => [type, param])));
  return compartmentPairs;
}

/**
 * SQL for Patient/$everything (R4 patient-operation-everything): the patient, every record in their
 * compartment (compartmentdefinition-patient: the reference parameters that tie a type to a
 * patient), and the records those refer to (practitioners, organizations, medications…), in a stable
 * order (row id) so that pages never overlap or skip.
 */
export function everythingRepository(db: SqliteDatabase) {
  const select = db.prepare(`
    WITH pairs(type, param) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)),
    compartment(rid) AS (
      SELECT rid FROM resources WHERE type = 'Patient' AND id = ?
      UNION
      SELECT x.rid FROM idx_reference x INDEXED BY idx_reference_target JOIN pairs p ON p.type = x.type AND p.param = x.param
      WHERE x.target_type = 'Patient' AND x.target_id = ?
    ),
    referenced(rid) AS (
      SELECT t.rid FROM idx_reference x INDEXED BY idx_reference_rid JOIN resources t ON t.type = x.target_type AND t.id = x.target_id
      WHERE x.rid IN (SELECT rid FROM compartment)
    )
    SELECT rid, 'match' AS mode FROM compartment
    UNION ALL
    SELECT DISTINCT rid, 'include' AS mode FROM referenced WHERE rid NOT IN (SELECT rid FROM compartment)
    ORDER BY rid`);
  const selectJson = db.prepare('SELECT rid, json FROM resources WHERE rid IN (SELECT value FROM json_each(?))');
  return {
    rows: (patientId: string) => select.all(pairsJson(), patientId, patientId) as EverythingRow[],
    /** The JSON of these rows, by row id. */
    json(rids: readonly number[]): Map<number, string> {
      const rows = selectJson.all(JSON.stringify(rids)) as { rid: number; json: string }[];
      return new Map(rows.map((row) => [row.rid, row.json]));
    },
  };
}
