import { describe, expect, it } from 'vitest';
import { extractIndexRows } from './extract.ts';
import { capUtf8, TEXT_LIMIT_BYTES, xhtmlToText } from './text-extract.ts';

describe('xhtmlToText', () => {
  it('drops markup and decodes entities', () => {
    expect(xhtmlToText('<div xmlns="http://www.w3.org/1999/xhtml"><p>Hb&amp;A1c &lt; 7%</p><ul><li>one</li><li>two&#160;&#x263A;</li></ul></div>'))
      .toBe('Hb&A1c < 7% one two ☺');
  });
});

describe('narrative and content', () => {
  const observation = {
    resourceType: 'Observation' as const, id: 'secret-id-123', status: 'final' as const,
    text: { status: 'generated' as const, div: '<div xmlns="http://www.w3.org/1999/xhtml">Glucose <b>high</b></div>' },
    code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose' }], text: 'Glucose' },
    subject: { reference: 'Patient/p-1', display: 'Ann Smith' },
    valueString: 'Fasting sample',
    note: [{ text: 'Repeat next week' }],
    method: { text: 'Enzymatic' },
  };

  it('narrative: the div first, then displays, texts, notes and valueString', () => {
    expect(extractIndexRows(observation).narrative).toBe('Glucose high Glucose Fasting sample Repeat next week Enzymatic');
  });

  it('content: narrative plus other words, without ids, references, URLs or base64', () => {
    const content = extractIndexRows(observation).content;
    expect(content.startsWith('Glucose high Glucose Fasting sample')).toBe(true);
    expect(content).toContain('Ann Smith');
    expect(content).toContain('2345-7');
    expect(content).not.toContain('secret-id-123');
    expect(content).not.toContain('Patient/p-1');
    expect(content).not.toContain('loinc.org');
    const binary = extractIndexRows({ resourceType: 'Binary', id: 'b', contentType: 'text/plain', data: 'SGVsbG8gd29ybGQ=' });
    expect(binary.content).not.toContain('SGVsbG8');
  });

  it('includes HumanName parts, Attachment titles and contained resources', () => {
    const rows = extractIndexRows({
      resourceType: 'DocumentReference', id: 'd', status: 'current',
      contained: [{ resourceType: 'Practitioner', id: 'pr', name: [{ family: 'Okafor', given: ['Chidi'] }] }],
      author: [{ reference: '#pr' }],
      content: [{ attachment: { contentType: 'application/pdf', title: 'Discharge summary', url: 'Binary/1' } }],
    });
    expect(rows.narrative).toBe('Okafor Chidi Discharge summary');
  });

  it('caps content at 64 KiB of UTF-8 without splitting a character', () => {
    const long = 'é'.repeat(40_000); // 80,000 bytes
    const rows = extractIndexRows({ resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, valueString: long });
    expect(Buffer.byteLength(rows.content, 'utf8')).toBeLessThanOrEqual(TEXT_LIMIT_BYTES);
    expect(Buffer.byteLength(rows.content, 'utf8')).toBeGreaterThan(TEXT_LIMIT_BYTES - 4);
    expect(rows.content.includes('\ufffd')).toBe(false);
    expect(capUtf8('a€b', 3)).toBe('a');
    expect(capUtf8('a€b', 4)).toBe('a€');
  });
});
