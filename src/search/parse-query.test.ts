import { describe, expect, it } from 'vitest';
import { MAX_COUNT, parseQuery, splitEscaped, unescapeValue } from './parse-query.ts';

const codeOf = (error: unknown) => (error as { code?: string }).code;

function rejects(query: string): { code: string | undefined; message: string } {
  try {
    parseQuery(query);
  } catch (error) {
    return { code: codeOf(error), message: (error as Error).message };
  }
  throw new Error(`${query} was accepted`);
}

describe('parseQuery', () => {
  it('splits the type, the filters with their modifiers, and comma alternatives', () => {
    const parsed = parseQuery('Observation?code=http://loinc.org|4548-4,2345-7&subject:Patient=p1&date=ge2020&date=lt2021');
    expect(parsed.resourceType).toBe('Observation');
    expect(parsed.filters).toEqual([
      { key: 'code', code: 'code', modifier: undefined, values: ['http://loinc.org|4548-4', '2345-7'] },
      { key: 'subject:Patient', code: 'subject', modifier: 'Patient', values: ['p1'] },
      { key: 'date', code: 'date', modifier: undefined, values: ['ge2020'] },
      { key: 'date', code: 'date', modifier: undefined, values: ['lt2021'] },
    ]);
    expect(parsed).toMatchObject({ count: 20, offset: 0, sort: [], include: [], revinclude: [] });
  });

  it('accepts a bare type', () => {
    expect(parseQuery('Patient')).toMatchObject({ resourceType: 'Patient', filters: [] });
    expect(parseQuery('Patient?')).toMatchObject({ resourceType: 'Patient', filters: [] });
  });

  it('percent-decodes, keeps + (a time zone, not a space) and a stray %', () => {
    const parsed = parseQuery('Observation?date=2020-01-01T10:00:00+01:00&value-quantity=5.4||%&code=a%7Cb&name=M%C3%BCller');
    expect(parsed.filters.map((filter) => filter.values[0])).toEqual(['2020-01-01T10:00:00+01:00', '5.4||%', 'a|b', 'Müller']);
    expect(rejects('Patient?name=%C3')).toMatchObject({ code: 'invalid' });
  });

  it('keeps escaped commas inside one alternative (search.html#escaping)', () => {
    const [filter] = parseQuery('Patient?name=a\\,b,c').filters;
    expect(filter?.values).toEqual(['a\\,b', 'c']);
    expect(filter?.values.map(unescapeValue)).toEqual(['a,b', 'c']);
    expect(splitEscaped('sys\\|tem|code', '|')).toEqual(['sys\\|tem', 'code']);
    expect(unescapeValue('a\\\\b\\$c')).toBe('a\\b$c');
  });

  it('ignores empty values and transport parameters', () => {
    expect(parseQuery('Patient?name=&_format=json&_pretty=true&_total=accurate').filters).toEqual([]);
  });

  it('reads _sort, _count (capped) and _offset', () => {
    const parsed = parseQuery('Observation?_sort=-date,code,_id&_count=5000&_offset=40');
    expect(parsed.sort).toEqual([
      { code: 'date', descending: true },
      { code: 'code', descending: false },
      { code: '_id', descending: false },
    ]);
    expect(parsed.count).toBe(MAX_COUNT);
    expect(parsed.offset).toBe(40);
    expect(parseQuery('Observation?_count=0').count).toBe(0);
  });

  it('rejects malformed result parameters', () => {
    expect(rejects('Observation?_count=ten')).toEqual({ code: 'invalid', message: '_count must be a whole number of 0 or more, not "ten"' });
    expect(rejects('Observation?_count=-1').code).toBe('invalid');
    expect(rejects('Observation?_offset=1.5').code).toBe('invalid');
    expect(rejects('Observation?_count=1&_count=2').message).toBe('_count is given more than once');
    expect(rejects('Observation?_sort=date,').message).toContain('empty key');
    expect(rejects('observation?code=1').message).toBe('"observation" is not a resource type');
  });

  it('reads _include and _revinclude targets', () => {
    const parsed = parseQuery('Observation?_include=Observation:subject&_include=Observation:subject:Patient&_include=*&_revinclude=Provenance:target');
    expect(parsed.include).toEqual([
      { sourceType: 'Observation', param: 'subject', targetType: undefined },
      { sourceType: 'Observation', param: 'subject', targetType: 'Patient' },
      { sourceType: '*', param: '*', targetType: undefined },
    ]);
    expect(parsed.revinclude).toEqual([{ sourceType: 'Provenance', param: 'target', targetType: undefined }]);
    expect(rejects('Observation?_include=subject').code).toBe('invalid');
    expect(rejects('Observation?_revinclude=Provenance:target:Observation').code).toBe('invalid');
    expect(rejects('Observation?_include:iterate=Observation:subject').code).toBe('unsupported');
  });

  it('rejects chains, _has and shape-changing result parameters as unsupported, naming them', () => {
    expect(rejects('Observation?subject.name=peter')).toEqual({ code: 'unsupported', message: 'chained search parameter "subject.name" is not supported' });
    expect(rejects('Patient?_has:Observation:patient:code=1234')).toEqual({
      code: 'unsupported',
      message: 'search parameter "_has:Observation:patient:code" is not supported',
    });
    expect(rejects('Patient?_summary=true').message).toBe('search parameter "_summary" is not supported');
    expect(rejects('Patient?_elements=id').code).toBe('unsupported');
  });

  it('keeps the segments as written, minus _count and _offset, for the next page', () => {
    expect(parseQuery('Observation?code=a%7Cb&_count=10&date=ge2020&_offset=20').pagingSegments).toEqual(['code=a%7Cb', 'date=ge2020']);
  });
});
