import { dateRange, periodRange } from './date-range.ts';
import { normalizeString } from './normalize.ts';
import { implicitRange } from './number-range.ts';
import { resolveReference } from './references.ts';
import type { IndexContext, IndexedParamType, IndexRows } from './rows.ts';

/**
 * Turning one FHIR value of a known FHIR type into index rows of one parameter type. Both the compiled
 * extractors and the FHIRPath fallback end here, so the two paths can only differ in which values they
 * select, never in how a value becomes a row. The mapping follows the "which data types can be used"
 * tables of FHIR R4 search.html#token, #string, #date, #quantity, #number, #reference and #uri; a type
 * a parameter type cannot represent (e.g. a Period reached by a quantity parameter) yields no rows.
 */

export interface ExtractState {
  rows: IndexRows;
  resourceType: string;
  context: IndexContext | undefined;
  contained: ReadonlyArray<{ resourceType?: string; id?: string }> | undefined;
}

// Values are untyped JSON here: the schema told us the FHIR type, the checks below guard the shape.
type Json = any;
export type RowWriter = (param: string, value: Json, state: ExtractState) => void;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

// --- token (search.html#token) ---------------------------------------------------------------

function pushToken(state: ExtractState, param: string, system: string | null, code: string | null, display: string | null): void {
  state.rows.tokens.push({ param, system, code, display });
}

const codingToken: RowWriter = (param, coding, state) => {
  if (typeof coding !== 'object' || coding === null) return;
  const system = str(coding.system), code = str(coding.code), display = str(coding.display);
  if (system !== null || code !== null || display !== null) pushToken(state, param, system, code, display);
};

/** One row per coding (display falls back to the concept's text); text alone still gives one row. */
const conceptToken: RowWriter = (param, concept, state) => {
  if (typeof concept !== 'object' || concept === null) return;
  const text = str(concept.text);
  const codings = concept.coding;
  let wrote = false;
  if (Array.isArray(codings)) {
    for (const coding of codings) {
      if (typeof coding !== 'object' || coding === null) continue;
      const system = str(coding.system), code = str(coding.code), display = str(coding.display) ?? text;
      if (system === null && code === null && display === null) continue;
      pushToken(state, param, system, code, display);
      wrote = true;
    }
  }
  if (!wrote && text !== null) pushToken(state, param, null, null, text);
};

const identifierToken: RowWriter = (param, identifier, state) => {
  if (typeof identifier !== 'object' || identifier === null) return;
  const system = str(identifier.system), value = str(identifier.value);
  if (system === null && value === null) return;
  pushToken(state, param, system, value, str(identifier.type?.text));
};

/** search.html#token: on a ContactPoint the token matches ContactPoint.value; there is no system. */
const contactPointToken: RowWriter = (param, contactPoint, state) => {
  const value = str(contactPoint?.value);
  if (value !== null) pushToken(state, param, null, value, null);
};

const primitiveToken: RowWriter = (param, value, state) => {
  if (typeof value === 'string' && value !== '') pushToken(state, param, null, value, null);
};

const booleanToken: RowWriter = (param, value, state) => {
  if (typeof value === 'boolean') pushToken(state, param, null, value ? 'true' : 'false', null);
};

// --- string (search.html#string) -------------------------------------------------------------

function pushString(state: ExtractState, param: string, raw: unknown): void {
  if (typeof raw !== 'string' || raw === '') return;
  state.rows.strings.push({ param, value: normalizeString(raw), raw });
}

function pushStrings(state: ExtractState, param: string, values: unknown): void {
  if (Array.isArray(values)) for (const value of values) pushString(state, param, value);
}

const primitiveString: RowWriter = (param, value, state) => pushString(state, param, value);

/** HumanName: every part matches on its own (search.html#string, "name" parameters). */
const humanNameString: RowWriter = (param, name, state) => {
  if (typeof name !== 'object' || name === null) return;
  pushString(state, param, name.family);
  pushStrings(state, param, name.given);
  pushStrings(state, param, name.prefix);
  pushStrings(state, param, name.suffix);
  pushString(state, param, name.text);
};

const addressString: RowWriter = (param, address, state) => {
  if (typeof address !== 'object' || address === null) return;
  pushStrings(state, param, address.line);
  pushString(state, param, address.city);
  pushString(state, param, address.district);
  pushString(state, param, address.state);
  pushString(state, param, address.postalCode);
  pushString(state, param, address.country);
  pushString(state, param, address.text);
};

// --- date (search.html#date) -----------------------------------------------------------------

const primitiveDate: RowWriter = (param, value, state) => {
  if (typeof value !== 'string') return;
  const range = dateRange(value);
  if (range !== undefined) state.rows.dates.push({ param, start: range[0], end: range[1] });
};

const periodDate: RowWriter = (param, period, state) => {
  if (typeof period !== 'object' || period === null) return;
  const range = periodRange(period);
  if (range !== undefined) state.rows.dates.push({ param, start: range[0], end: range[1] });
};

/**
 * Timing: each `event` as its own range, plus `repeat.boundsPeriod`. search.html#date says only the
 * outer limits of a schedule matter; the bounds give them, the events cover explicit schedules.
 */
const timingDate: RowWriter = (param, timing, state) => {
  if (typeof timing !== 'object' || timing === null) return;
  if (Array.isArray(timing.event)) for (const event of timing.event) primitiveDate(param, event, state);
  if (timing.repeat?.boundsPeriod !== undefined) periodDate(param, timing.repeat.boundsPeriod, state);
};

// --- quantity and number (search.html#quantity, #number) ---------------------------------------

/** Quantity and its profiles (Age, Duration, Distance, Count, SimpleQuantity, MoneyQuantity). */
const quantityRow: RowWriter = (param, quantity, state) => {
  if (typeof quantity !== 'object' || quantity === null || typeof quantity.value !== 'number') return;
  const value: number = quantity.value;
  const range = implicitRange(value);
  if (range === undefined) return;
  let [low, high] = range;
  // A comparator makes the stored value itself a range: "<5" covers everything below 5.
  switch (quantity.comparator) {
    case '<': [low, high] = [-Number.MAX_VALUE, value]; break;
    case '<=': low = -Number.MAX_VALUE; break;
    case '>': [low, high] = [value, Number.MAX_VALUE]; break;
    case '>=': high = Number.MAX_VALUE; break;
  }
  state.rows.quantities.push({ param, value, low, high, system: str(quantity.system), code: str(quantity.code), unit: str(quantity.unit) });
};

/** Money: the currency is an ISO 4217 code (datatypes.html#Money). */
const moneyRow: RowWriter = (param, money, state) => {
  if (typeof money !== 'object' || money === null || typeof money.value !== 'number') return;
  const range = implicitRange(money.value);
  if (range === undefined) return;
  const currency = str(money.currency);
  state.rows.quantities.push({
    param, value: money.value, low: range[0], high: range[1],
    system: currency === null ? null : 'urn:iso:std:iso:4217', code: currency, unit: null,
  });
};

/** Range: [low, high] as written, open on a missing side; value is the midpoint when both exist. */
const rangeRow: RowWriter = (param, range, state) => {
  if (typeof range !== 'object' || range === null) return;
  const low = typeof range.low?.value === 'number' ? (range.low.value as number) : undefined;
  const high = typeof range.high?.value === 'number' ? (range.high.value as number) : undefined;
  if (low === undefined && high === undefined) return;
  const unitSource = low !== undefined ? range.low : range.high;
  state.rows.quantities.push({
    param,
    value: low !== undefined && high !== undefined ? (low + high) / 2 : (low ?? high)!,
    low: low ?? -Number.MAX_VALUE,
    high: high ?? Number.MAX_VALUE,
    system: str(unitSource.system), code: str(unitSource.code), unit: str(unitSource.unit),
  });
};

const numberRow: RowWriter = (param, value, state) => {
  if (typeof value !== 'number') return;
  const range = implicitRange(value);
  if (range !== undefined) state.rows.numbers.push({ param, value, low: range[0], high: range[1] });
};

// --- reference and uri (search.html#reference, #uri) --------------------------------------------

const referenceRow: RowWriter = (param, reference, state) => {
  const text = str(reference?.reference);
  if (text === null) return;
  const target = resolveReference(text, state.resourceType, state.context, state.contained);
  state.rows.references.push({
    param, reference: text, targetType: target.targetType, targetId: target.targetId, contained: target.contained,
  });
};

/** uri values, and canonical/uri values reached by reference parameters (search.html#reference). */
const uriRow: RowWriter = (param, value, state) => {
  if (typeof value === 'string' && value !== '') state.rows.uris.push({ param, value });
};

const CODE_LIKE = ['code', 'string', 'id', 'uri', 'url', 'canonical', 'oid', 'uuid', 'markdown'];
const QUANTITIES = ['Quantity', 'Age', 'Duration', 'Distance', 'Count', 'SimpleQuantity', 'MoneyQuantity'];
const NUMBERS = ['integer', 'decimal', 'positiveInt', 'unsignedInt'];

const WRITERS: Record<IndexedParamType, Map<string, RowWriter>> = {
  token: new Map<string, RowWriter>([
    ['CodeableConcept', conceptToken], ['Coding', codingToken], ['Identifier', identifierToken],
    ['ContactPoint', contactPointToken], ['boolean', booleanToken],
    ...CODE_LIKE.map((type): [string, RowWriter] => [type, primitiveToken]),
  ]),
  string: new Map<string, RowWriter>([
    ['string', primitiveString], ['markdown', primitiveString], ['HumanName', humanNameString], ['Address', addressString],
  ]),
  date: new Map<string, RowWriter>([
    ['date', primitiveDate], ['dateTime', primitiveDate], ['instant', primitiveDate], ['Period', periodDate], ['Timing', timingDate],
  ]),
  quantity: new Map<string, RowWriter>([
    ...QUANTITIES.map((type): [string, RowWriter] => [type, quantityRow]), ['Money', moneyRow], ['Range', rangeRow],
  ]),
  number: new Map<string, RowWriter>(NUMBERS.map((type): [string, RowWriter] => [type, numberRow])),
  reference: new Map<string, RowWriter>([['Reference', referenceRow], ['canonical', uriRow], ['uri', uriRow]]),
  uri: new Map<string, RowWriter>(['uri', 'url', 'canonical', 'oid', 'uuid'].map((type): [string, RowWriter] => [type, uriRow])),
};

/** The writer for values of FHIR type `fhirType` under a parameter of type `paramType`, if any. */
export function rowWriter(paramType: IndexedParamType, fhirType: string): RowWriter | undefined {
  return WRITERS[paramType].get(fhirType);
}
