import { invalidValue, rejectModifier, splitPrefix, type ClauseInput, type Prefix } from './clause.ts';
import { splitEscaped, unescapeValue } from './parse-query.ts';
import { indexCondition, sql, type Clause, type Sql } from './sql.ts';

/** A search number with the range its written precision implies: `5.4` → [5.35, 5.45). */
export interface SearchDecimal {
  value: number;
  low: number;
  high: number;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/;

/**
 * search.html#number: "the precision of the number is implicit in the value: 100 means [99.5, 100.5)",
 * i.e. half a unit of the last digit written either side; `100.00` → [99.995, 100.005), `1e2` → [50, 150).
 * Works from the digits, not the float: 5.4 - 0.05 is 5.3500000000000005 and would miss a stored 5.35.
 */
export function parseSearchDecimal(text: string): SearchDecimal | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const [, sign, whole = '', fraction = '', exponentText] = match;
  if (whole === '' && fraction === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  const units = Number(whole + fraction);
  const decimals = fraction.length - Number(exponentText ?? 0);
  let low: number;
  let high: number;
  if (decimals >= 0) {
    const scale = 10 ** decimals;
    [low, high] = [(2 * units - 1) / (2 * scale), (2 * units + 1) / (2 * scale)];
  } else {
    const half = 10 ** -decimals / 2;
    [low, high] = [units * 10 ** -decimals - half, units * 10 ** -decimals + half];
  }
  if (sign === '-') [low, high] = [-high, -low];
  return { value, low, high };
}

/**
 * The prefixes on a number, per the examples of search.html#number: `100` and `ne100` use the
 * precision range ([99.5, 100.5)); `lt`, `le`, `gt`, `ge` compare with "exactly 100". `sa` / `eb`:
 * above / below the whole precision range. `ap`: within 10% of the value (search.html#prefix's
 * recommendation), or within the precision range where that is wider.
 * The stored side is the value as recorded (idx_*.value): JSON has already turned 5.0 into 5, so the
 * stored precision cannot be trusted to decide that 5.0 is not "eq 5.0". Range and comparator
 * values (`<5`) are compared at their stored `value` (a Range's midpoint).
 */
function numberRow(prefix: Prefix, { value, low, high }: SearchDecimal): Sql {
  switch (prefix) {
    case 'eq': return sql('value >= ? AND value < ?', low, high);
    case 'ne': return sql('(value < ? OR value >= ?)', low, high);
    case 'gt': return sql('value > ?', value);
    case 'lt': return sql('value < ?', value);
    case 'ge': return sql('value >= ?', value);
    case 'le': return sql('value <= ?', value);
    case 'sa': return sql('value >= ?', high);
    case 'eb': return sql('value < ?', low);
    case 'ap': {
      const margin = Math.abs(value) * 0.1;
      return sql('value >= ? AND value <= ?', Math.min(low, value - margin), Math.max(high, value + margin));
    }
  }
}

function decimalRow(input: ClauseInput, value: string, text: string, expected: string): Sql {
  const { prefix, rest } = splitPrefix(text);
  const decimal = parseSearchDecimal(rest);
  if (decimal === undefined) throw invalidValue(input, value, expected);
  return numberRow(prefix, decimal);
}

/** search.html#number. */
export function numberClause(input: ClauseInput): Clause {
  const { resourceType, filter, param } = input;
  if (filter.modifier !== undefined) return rejectModifier(input);
  const expected = 'an optional prefix and a number, e.g. 100, ge2.5, 1e3';
  return indexCondition('idx_number', resourceType, param.code, filter.values.map((value) => decimalRow(input, value, unescapeValue(value), expected)));
}

/**
 * search.html#quantity: `[prefix][number]`, `[prefix][number]|[system]|[code]` (system and code
 * must both match) or `[prefix][number]||[code]` (the code or the unit text matches). No unit
 * conversion: `5|http://unitsofmeasure.org|g` does not find 5000 mg.
 */
export function quantityClause(input: ClauseInput): Clause {
  const { resourceType, filter, param } = input;
  if (filter.modifier !== undefined) return rejectModifier(input);
  const expected = '[prefix][number], [prefix][number]|[system]|[code] or [prefix][number]||[code]';
  return indexCondition('idx_quantity', resourceType, param.code, filter.values.map((value) => {
    const parts = splitEscaped(value, '|');
    if (parts.length !== 1 && parts.length !== 3) throw invalidValue(input, value, expected);
    const [number = '', system = '', code = ''] = parts.map(unescapeValue);
    const numeric = decimalRow(input, value, number, expected);
    if (system === '' && code === '') return numeric;
    const unit = system === '' ? sql('(code = ? OR unit = ?)', code, code) : code === '' ? sql('system = ?', system) : sql('system = ? AND code = ?', system, code);
    return { text: `${numeric.text} AND ${unit.text}`, params: [...numeric.params, ...unit.params] };
  }));
}
