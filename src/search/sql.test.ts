import { describe, expect, it } from 'vitest';
import { parseSearchDecimal } from './quantity-clause.ts';
import { prefixUpperBound, startsWith } from './sql.ts';

describe('prefixUpperBound', () => {
  it('is the next string after every string with the prefix, in code point order', () => {
    expect(prefixUpperBound('abc')).toBe('abd');
    expect(prefixUpperBound('mü')).toBe('mý');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{D7FF}')).toBe('\u{E000}');
    expect(prefixUpperBound('')).toBeUndefined();
    expect(startsWith('value', 'ab')).toEqual({ text: 'value >= ? AND value < ?', params: ['ab', 'ac'] });
  });
});

describe('parseSearchDecimal (search.html#number: implicit precision)', () => {
  it('takes half a unit of the last digit written either side', () => {
    expect(parseSearchDecimal('5.4')).toEqual({ value: 5.4, low: 5.35, high: 5.45 });
    expect(parseSearchDecimal('100')).toEqual({ value: 100, low: 99.5, high: 100.5 });
    expect(parseSearchDecimal('100.00')).toEqual({ value: 100, low: 99.995, high: 100.005 });
    expect(parseSearchDecimal('1e2')).toEqual({ value: 100, low: 50, high: 150 });
    expect(parseSearchDecimal('3e-1')).toEqual({ value: 0.3, low: 0.25, high: 0.35 });
    expect(parseSearchDecimal('-5.4')).toEqual({ value: -5.4, low: -5.45, high: -5.35 });
    expect(parseSearchDecimal('.5')).toEqual({ value: 0.5, low: 0.45, high: 0.55 });
  });

  it('rejects what is not a decimal', () => {
    for (const text of ['', '-', '.', 'abc', '5,4', '1e', '0x10', 'Infinity', '5.4.1']) expect(parseSearchDecimal(text), text).toBeUndefined();
  });
});
