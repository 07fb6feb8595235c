import { HearthError } from '../errors/hearth-error.ts';
import type { IndexedSearchParam } from '../fhir/search-index/index.ts';
import type { SortKey } from './parse-query.ts';
import { joinSql, sql, storedRowsCondition, type IndexTable, type Sql } from './sql.ts';

/** Per parameter type: the index table and the column that orders its values. */
const SORT_COLUMNS: Record<IndexedSearchParam['type'], { table: IndexTable; ascending: string; descending: string }> = {
  // search.html#_sort: dates sort by the start of their range ascending, by its end descending.
  date: { table: 'idx_date', ascending: 'start', descending: 'end' },
  string: { table: 'idx_string', ascending: 'value', descending: 'value' },
  token: { table: 'idx_token', ascending: 'code', descending: 'code' },
  quantity: { table: 'idx_quantity', ascending: 'value', descending: 'value' },
  number: { table: 'idx_number', ascending: 'value', descending: 'value' },
  reference: { table: 'idx_reference', ascending: 'reference', descending: 'reference' },
  uri: { table: 'idx_uri', ascending: 'value', descending: 'value' },
};

/**
 * search.html#_sort: `ORDER BY` for the sort keys, each a per-resource value: a resource with several
 * values sorts by its lowest ascending and its highest descending. Resources without a value come last
 * either way; ties keep the order of storage (rid), so pages never overlap or skip.
 * `_id` and `_lastUpdated` sort on the resources table itself.
 */
export function orderBy(resourceType: string, keys: readonly SortKey[], params: ReadonlyMap<string, IndexedSearchParam>): Sql {
  const terms = keys.map(({ code, descending }) => {
    const direction = descending ? 'DESC' : 'ASC';
    if (code === '_id') return sql(`(SELECT id FROM resources WHERE rid = d.rid) ${direction}`);
    // meta.lastUpdated is stamped by the store as an ISO instant in UTC: its text order is time order.
    if (code === '_lastUpdated') return sql(`(SELECT last_updated FROM resources WHERE rid = d.rid) ${direction}`);
    const param = params.get(code);
    if (param === undefined) throw new HearthError('invalid', `cannot sort by unknown search parameter "${code}" for ${resourceType}`);
    const { table, ascending, descending: descendingColumn } = SORT_COLUMNS[param.type];
    const value = descending ? `max(${descendingColumn})` : `min(${ascending})`;
    // The rid index by name: see indexCondition in sql.ts. A derived parameter sorts by the rows that answer it.
    const anySource = storedRowsCondition(table, resourceType, code);
    return { text: `(SELECT ${value} FROM ${table} INDEXED BY ${table}_rid WHERE rid = d.rid AND type = ? AND (${anySource.text})) ${direction} NULLS LAST`, params: [resourceType, ...anySource.params] };
  });
  return joinSql([...terms, sql('d.rid ASC')], ', ');
}
