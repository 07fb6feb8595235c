/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32) so that demo data is a
 * pure function of its seed: no Math.random, no clock, no crypto. Only integer arithmetic and
 * additions are used, so the sequence is identical on every platform and Node version.
 */

/** Folds strings and numbers into one 32-bit seed (FNV-1a over the parts, then a final avalanche). */
export function hashSeed(...parts: ReadonlyArray<string | number>): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = `${String(part)}\u0000`;
    for (let index = 0; index < text.length; index++) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  return avalanche(hash);
}

function avalanche(value: number): number {
  let mixed = value >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

const HEX: string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    // splitmix32 spreads a possibly tiny seed (0, 1, 2...) over the whole 128-bit state.
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      return avalanche(state);
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let warmUp = 0; warmUp < 12; warmUp++) this.uint32();
  }

  /** A new independent generator derived from this one's seed material and a label. */
  fork(label: string): Random {
    return new Random(hashSeed(this.uint32(), label));
  }

  uint32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const result = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = ((c << 21) | (c >>> 11)) + result | 0;
    return result >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /**
   * Approximately normal (Irwin–Hall with four uniforms, rescaled to unit variance). Bounded at
   * ±3.46 sd, which keeps demo lab values plausible: no wild outliers from an unlucky draw.
   */
  normal(mean: number, sd: number): number {
    const sum = this.next() + this.next() + this.next() + this.next();
    return mean + (sum - 2) * 1.7320508075688772 * sd;
  }

  /** A UUID-shaped id (version 4 layout) made from this generator, so ids are reproducible too. */
  uuid(): string {
    const words = [this.uint32(), this.uint32(), this.uint32(), this.uint32()];
    const bytes: number[] = [];
    for (const word of words) bytes.push(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    let out = '';
    for (let index = 0; index < 16; index++) {
      if (index === 4 || index === 6 || index === 8 || index === 10) out += '-';
      out += HEX[bytes[index] ?? 0];
    }
    return out;
  }
}
