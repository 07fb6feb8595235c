import { describe, expect, it } from 'vitest';
import { formBodyAsQuery, pageQuery, readSearchRequest, searchQueryOf } from './search-request.ts';

describe('search requests of the FHIR API', () => {
  it('keeps every parameter under strict handling, so search refuses what it cannot answer', () => {
    const request = readSearchRequest('Observation', 'colour=red&code=1234-5&_count=10&_offset=20', false);
    expect(request).toEqual({ segments: ['colour=red', 'code=1234-5'], count: '10', offset: '20', ignored: [] });
    expect(searchQueryOf('Observation', request)).toBe('Observation?colour=red&code=1234-5&_count=10&_offset=20');
  });

  it('leaves out unknown, unsupported and chained parameters under lenient handling, and says which', () => {
    const request = readSearchRequest('Observation', 'colour=red&code:text=x&subject.name=y&_summary=count&_text=z&date=ge2020', true);
    expect(request.segments).toEqual(['code:text=x', '_text=z', 'date=ge2020']);
    expect(request.ignored).toEqual(['colour', 'subject.name', '_summary']);
  });

  it('builds page queries and reads form bodies with + as a space', () => {
    expect(pageQuery(['code=1'], 5, 10)).toBe('code=1&_count=5&_offset=10');
    expect(formBodyAsQuery('name=van+der+berg&date=2020-01-01T10:00:00%2B01:00')).toBe('name=van%20der%20berg&date=2020-01-01T10:00:00%2B01:00');
  });
});
