import { createRequire } from 'node:module';

/**
 * Unit conversion for lab values with NLM's UCUM library (@lhncbc/ucum-lhc), never our own table:
 * a value is converted only when UCUM says the two units are commensurable. Mass ↔ substance
 * (mg/dL ↔ mmol/L of glucose) needs a molecular weight, which UCUM refuses without; such values stay
 * in their own unit and are shown apart.
 */
interface UcumUtils {
  convertUnitTo(from: string, value: number, to: string): { status: 'succeeded' | 'failed' | 'error'; toVal: number | null };
}

// The package is CommonJS without type definitions; loaded once, lazily (its unit tables take ~30 ms).
let utils: UcumUtils | undefined;
function ucum(): UcumUtils {
  if (!utils) {
    const require = createRequire(import.meta.url);
    const pkg = require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
    utils = pkg.UcumLhcUtils.getInstance();
  }
  return utils;
}

const UCUM_CODE = /^[\x21-\x7e]{1,64}$/;
const cache = new Map<string, number | null>();

/** The factor turning a value in `from` into `to` (UCUM codes), or null when they are not commensurable. */
export function conversionFactor(from: string, to: string): number | null {
  if (from === to) return 1;
  // UCUM codes are printable ASCII without spaces (UCUM §1); anything else is not asked (the library
  // prints its complaint about a malformed unit to the console, and logs carry no record content).
  if (!UCUM_CODE.test(from) || !UCUM_CODE.test(to)) return null;
  const key = `${from}\u0000${to}`;
  let factor = cache.get(key);
  if (factor === undefined) {
    try {
      const result = ucum().convertUnitTo(from, 1, to);
      factor = result.status === 'succeeded' && typeof result.toVal === 'number' && Number.isFinite(result.toVal) ? result.toVal : null;
    } catch {
      factor = null;
    }
    cache.set(key, factor);
  }
  return factor;
}

/** Rounds a converted value to a sensible number of significant digits (no 13.999999999). */
export function roundConverted(value: number): number {
  return Number(value.toPrecision(6));
}
