/**
 * FHIR date/dateTime/instant values as the closed range of epoch milliseconds they cover.
 *
 * FHIR R4 search.html#date: "the date search parameter ... is always a range: the search value
 * 2013-01-14 covers 2013-01-14T00:00 to 2013-01-14T23:59:59.999", and the same holds for the stored
 * value — a value at year precision covers the whole year. A range query (`ge`, `sa`, `eb`, ...)
 * then compares ranges, so the store only needs [start, end].
 */

/** The smallest and largest instant an ECMAScript Date can hold; used for open Period ends. */
export const DATE_MIN = -8.64e15;
export const DATE_MAX = 8.64e15;

// YYYY(-MM(-DD(Thh:mm(:ss(.fff)?)?(Z|±hh:mm)?)?)?)? — FHIR requires seconds whenever a time is
// present, but minute precision costs nothing to accept and is what some feeds send.
const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Date.UTC maps years 0–99 onto 1900–1999; 400 Gregorian years later the calendar repeats exactly. */
const FOUR_HUNDRED_YEARS_MS = 146_097 * 86_400_000;

function utc(year: number, monthIndex: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  if (year >= 100) return Date.UTC(year, monthIndex, day, hour, minute, second, ms);
  return Date.UTC(year + 400, monthIndex, day, hour, minute, second, ms) - FOUR_HUNDRED_YEARS_MS;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

/**
 * Parses a FHIR date, dateTime or instant into [start, end]; returns undefined for anything else
 * (including `time` values, which have no date). A value with a time but no timezone is taken as UTC:
 * FHIR says such a dateTime "SHALL" carry a zone, so a missing one is a sender error and UTC is the
 * only choice that does not depend on where Hearth happens to run.
 */
export function dateRange(text: string): [number, number] | undefined {
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  if (m[2] === undefined) return [utc(year, 0, 1), utc(year + 1, 0, 1) - 1];
  const month = Number(m[2]);
  if (month < 1 || month > 12) return undefined;
  if (m[3] === undefined) return [utc(year, month - 1, 1), utc(year, month, 1) - 1];
  const day = Number(m[3]);
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  if (m[4] === undefined) {
    const start = utc(year, month - 1, day);
    return [start, start + 86_399_999];
  }
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const offset = zoneOffsetMs(m[8]);
  if (offset === undefined) return undefined;
  const start = utc(year, month - 1, day, hour, minute, second, ms) - offset;
  // The range is as wide as the last digit written: minutes → 59 999 ms, seconds → 999 ms,
  // ".5" → 99 ms; three or more fraction digits reach the store's millisecond resolution.
  let width: number;
  if (m[6] === undefined) width = 59_999;
  else if (fraction === undefined) width = 999;
  else width = fraction.length >= 3 ? 0 : 10 ** (3 - fraction.length) - 1;
  return [start, start + width];
}

function zoneOffsetMs(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59) return undefined;
  const offset = (hours * 60 + minutes) * 60_000;
  return zone.charCodeAt(0) === 45 /* '-' */ ? -offset : offset;
}

/**
 * A Period covers [start, end] with each bound at its own precision (end → the last millisecond of the
 * end value). search.html#date: a missing start or end means the Period is open on that side.
 * A Period with neither bound says nothing and yields no range.
 */
export function periodRange(period: { start?: string; end?: string }): [number, number] | undefined {
  const start = typeof period.start === 'string' ? dateRange(period.start) : undefined;
  const end = typeof period.end === 'string' ? dateRange(period.end) : undefined;
  if (start === undefined && end === undefined) return undefined;
  return [start === undefined ? DATE_MIN : start[0], end === undefined ? DATE_MAX : end[1]];
}
