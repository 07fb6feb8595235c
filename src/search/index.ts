/**
 * FHIR R4 search over a vault (http://hl7.org/fhir/R4/search.html), compiled to parameterised SQL
 * against the search index the record store keeps (vault-schema.ts idx_* tables, resource_text).
 */
export { searchVault, type SearchOptions, type SearchResult } from './search-vault.ts';
export { DEFAULT_COUNT, MAX_COUNT } from './parse-query.ts';
