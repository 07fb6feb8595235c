/**
 * US state from a ZIP code and from a state's name. The Lantern lists carry a ZIP for some
 * organisations and no state at all; the state follows from the first three ZIP digits (USPS
 * "ZIP Code prefixes", publication 65 / the L002 list of sectional centers). Military (AA/AE/AP)
 * prefixes give no state.
 */

// [first prefix, last prefix, state], inclusive; later rows override earlier ones for exceptions.
const RANGES: [number, number, string][] = [
  [5, 5, 'NY'], [6, 7, 'PR'], [8, 8, 'VI'], [9, 9, 'PR'],
  [10, 27, 'MA'], [28, 29, 'RI'], [30, 38, 'NH'], [39, 49, 'ME'], [50, 59, 'VT'], [55, 55, 'MA'],
  [60, 69, 'CT'], [70, 89, 'NJ'], [100, 149, 'NY'], [150, 196, 'PA'], [197, 199, 'DE'],
  [200, 200, 'DC'], [201, 201, 'VA'], [202, 205, 'DC'], [206, 219, 'MD'], [220, 246, 'VA'],
  [247, 268, 'WV'], [270, 289, 'NC'], [290, 299, 'SC'], [300, 319, 'GA'], [398, 399, 'GA'],
  [320, 339, 'FL'], [341, 349, 'FL'], [350, 369, 'AL'], [370, 385, 'TN'], [386, 397, 'MS'],
  [400, 427, 'KY'], [430, 459, 'OH'], [460, 479, 'IN'], [480, 499, 'MI'], [500, 528, 'IA'],
  [530, 549, 'WI'], [550, 567, 'MN'], [569, 569, 'DC'], [570, 577, 'SD'], [580, 588, 'ND'],
  [590, 599, 'MT'], [600, 629, 'IL'], [630, 658, 'MO'], [660, 679, 'KS'], [680, 693, 'NE'],
  [700, 714, 'LA'], [716, 729, 'AR'], [730, 749, 'OK'], [733, 733, 'TX'], [750, 799, 'TX'],
  [885, 885, 'TX'], [800, 816, 'CO'], [820, 831, 'WY'], [832, 838, 'ID'], [840, 847, 'UT'],
  [850, 865, 'AZ'], [870, 884, 'NM'], [889, 898, 'NV'], [900, 961, 'CA'], [967, 968, 'HI'],
  [969, 969, 'GU'], [970, 979, 'OR'], [980, 994, 'WA'], [995, 999, 'AK'],
];

const BY_PREFIX = new Map<number, string>();
for (const [first, last, state] of RANGES) for (let prefix = first; prefix <= last; prefix++) BY_PREFIX.set(prefix, state);

export const STATE_NAMES: Record<string, string> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado', CT: 'Connecticut',
  DE: 'Delaware', DC: 'District of Columbia', FL: 'Florida', GA: 'Georgia', HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois',
  IN: 'Indiana', IA: 'Iowa', KS: 'Kansas', KY: 'Kentucky', LA: 'Louisiana', ME: 'Maine', MD: 'Maryland',
  MA: 'Massachusetts', MI: 'Michigan', MN: 'Minnesota', MS: 'Mississippi', MO: 'Missouri', MT: 'Montana',
  NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire', NJ: 'New Jersey', NM: 'New Mexico', NY: 'New York',
  NC: 'North Carolina', ND: 'North Dakota', OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania',
  RI: 'Rhode Island', SC: 'South Carolina', SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas', UT: 'Utah',
  VT: 'Vermont', VA: 'Virginia', WA: 'Washington', WV: 'West Virginia', WI: 'Wisconsin', WY: 'Wyoming',
  PR: 'Puerto Rico', VI: 'Virgin Islands', GU: 'Guam',
};

const BY_NAME = new Map(Object.entries(STATE_NAMES).map(([code, name]) => [name.toLowerCase(), code]));

export function isStateCode(code: string): boolean {
  return Object.hasOwn(STATE_NAMES, code);
}

/** A five-digit ZIP's state, or null. */
export function stateOfZip(zip: string): string | null {
  return /^\d{5}$/.test(zip) ? (BY_PREFIX.get(Number(zip.slice(0, 3))) ?? null) : null;
}

/** "New York" → "NY" (state Medicaid programmes are listed under the state's name). */
export function stateOfName(name: string): string | null {
  return BY_NAME.get(name.trim().toLowerCase()) ?? null;
}

/**
 * The five-digit ZIP in a list's free-text field: "12345", "12345-6789", "123456789"; four digits
 * are a ZIP whose leading zero a spreadsheet dropped (New England). Anything else is no ZIP.
 */
export function normaliseZip(raw: string): string | null {
  const value = raw.trim();
  if (/^\d{5}(?:-?\d{4})?$/.test(value) || /^\d{5}-\d{3}$/.test(value)) return value.slice(0, 5);
  if (/^\d{4}$/.test(value)) return `0${value}`;
  return null;
}
