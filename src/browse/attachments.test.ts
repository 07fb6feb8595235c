import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { attachmentOf } from './attachments.ts';

const binary = { resourceType: 'Binary', id: 'b1', contentType: 'text/plain', data: Buffer.from('hello').toString('base64') } as Resource;
const document = (url: string) => ({ resourceType: 'DocumentReference', id: 'd1', status: 'current', content: [{ attachment: { contentType: 'text/plain', url } }] }) as Resource;

describe('attachment bytes', () => {
  it('reads Binary/<id> and a provider’s absolute …/Binary/<id> from the vault, nothing else', () => {
    const asked: string[] = [];
    const read = (id: string) => (asked.push(id), binary);
    expect(attachmentOf(document('Binary/b1'), 0, read).bytes.toString()).toBe('hello');
    expect(attachmentOf(document('https://files.example.org/fhir/Binary/b1'), 0, read).bytes.toString()).toBe('hello');
    expect(asked).toEqual(['b1', 'b1']);
    for (const url of ['https://files.example.org/doc.pdf', 'https://x/Binary/b1?download=1', 'ftp://x/Binary/b1', 'javascript:Binary/b1']) {
      expect(() => attachmentOf(document(url), 0, read)).toThrow(/not stored/);
    }
    expect(asked).toHaveLength(2);
  });
});
