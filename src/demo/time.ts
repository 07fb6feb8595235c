/**
 * Calendar helpers for the demo generator. Times are plain millisecond numbers on a "wall clock"
 * (UTC arithmetic, printed with a fixed -05:00 offset), anchored to a fixed reference date so that
 * generated records never depend on when they are generated.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const YEAR = 365.25 * DAY;
export const MONTH = YEAR / 12;

/** Every generated history ends just before this date. */
export const REFERENCE_DATE = '2026-01-01';
export const REFERENCE_TIME = Date.UTC(2026, 0, 1);

// FHIR dateTime with a time part needs a zone (R4 §2.24.0.1 dateTime); a fixed offset keeps the
// output independent of the machine's time zone and of daylight-saving rules.
const ZONE = '-05:00';

export function parseDate(date: string): number {
  const [year, month, day] = date.split('-').map(Number);
  return Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1);
}

/** YYYY-MM-DD */
export function formatDate(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** YYYY-MM-DDThh:mm:ss-05:00, valid both as FHIR dateTime and instant. */
export function formatDateTime(time: number): string {
  return `${new Date(Math.floor(time / 1000) * 1000).toISOString().slice(0, 19)}${ZONE}`;
}

export function addMonths(time: number, months: number): number {
  const date = new Date(time);
  const whole = Math.trunc(months);
  date.setUTCMonth(date.getUTCMonth() + whole);
  return date.getTime() + (months - whole) * MONTH;
}

export function addYears(time: number, years: number): number {
  return addMonths(time, years * 12);
}

export function ageInYears(birth: number, time: number): number {
  return (time - birth) / YEAR;
}

export function startOfDay(time: number): number {
  return Math.floor(time / DAY) * DAY;
}

/** The same day at a clinic hour between 08:00 and 16:45, in quarter hours. */
export function clinicTime(time: number, quarter: number): number {
  return startOfDay(time) + 8 * HOUR + (quarter % 36) * 15 * MINUTE;
}

/** A date in a given year, month (1-12) and day, at midnight. */
export function dateOf(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day);
}

export function yearOf(time: number): number {
  return new Date(time).getUTCFullYear();
}
