/**
 * The search index tables of a vault (vault migration 1), one per FHIR search parameter type: for
 * the code that writes, removes or migrates a record's rows in all of them.
 */
export const INDEX_TABLES = ['idx_token', 'idx_string', 'idx_date', 'idx_quantity', 'idx_number', 'idx_reference', 'idx_uri'] as const;

export type IndexTable = (typeof INDEX_TABLES)[number];
