/**
 * Implicit precision ranges of decimal values. FHIR R4 search.html#number: "the precision of the
 * number is implicit in the value: 100 means [99.5, 100.5)", and search.html#quantity applies the
 * same rule to Quantity.value. We store the stored value's own range so that `eq` (ranges overlap),
 * `ap` and the ordered prefixes can all be answered from [low, high).
 *
 * JSON has already turned "5.40" into 5.4 by the time we see it, so the precision we can recover is
 * that of the shortest decimal that round-trips (String(value)); trailing zeros are lost.
 */

/** Returns [low, high) for a finite number, or undefined for NaN/±Infinity. */
export function implicitRange(value: number): [number, number] | undefined {
  if (!Number.isFinite(value)) return undefined;
  const decimals = decimalPlaces(value);
  if (decimals >= 0 && decimals <= 15) {
    // Work in scaled integers so that 5.4 gives exactly 5.35 and 5.45 (5.4 - 0.05 would not).
    const scale = 10 ** decimals;
    const units = Math.round(value * scale);
    return [(2 * units - 1) / (2 * scale), (2 * units + 1) / (2 * scale)];
  }
  const half = 0.5 * 10 ** -decimals;
  return [value - half, value + half];
}

/** Digits after the decimal point in the shortest round-trip form; negative for 1e+21 and the like. */
function decimalPlaces(value: number): number {
  const text = String(value);
  const e = text.indexOf('e');
  const mantissa = e === -1 ? text : text.slice(0, e);
  const exponent = e === -1 ? 0 : Number(text.slice(e + 1));
  const point = mantissa.indexOf('.');
  const fractionDigits = point === -1 ? 0 : mantissa.length - point - 1;
  return fractionDigits - exponent;
}
