import { buildZip } from '../../src/import/readers/zip-writer.test-helper.ts';

/**
 * The bad-input vectors of SECURITY.md "Input": a name, the file name that decides the reader, the
 * content, and what the refusal must say. Used by test/bad-input.test.ts (refused, nothing stored)
 * and by `npm run bench` (each refused within 1 s).
 */
const CCD_HEAD = '<?xml version="1.0"?>\n';
const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const bomb = buildZip([{ name: 'inner.zip', data: buildZip([{ name: 'x.ndjson', data: Buffer.alloc(50_000_000, 0x20) }]) }]);

export const HOSTILE_VECTORS: [name: string, file: string, content: string | Buffer, expected: RegExp][] = [
  ['resourceType of the wrong JSON type', 'wrong-type.json', '{"resourceType": 42}', /resourceType/],
  ['top level an array', 'array.json', '[{"resourceType":"Patient"}]', /object/],
  ['element of the wrong JSON type', 'status.ndjson', '{"resourceType":"Observation","status":7,"code":{"text":"x"}}\n', /Observation\.status/],
  ['unknown resourceType', 'unknown.ndjson', '{"resourceType":"Spaceship","id":"x"}\n', /Spaceship/],
  ['10,000-deep nesting', 'deep.json', `{"resourceType":"Patient","extension":${deep(10_000)}}`, /nest|deep/i],
  ['a 50 MB string', 'huge.ndjson', `{"resourceType":"Patient","id":"p","text":{"status":"generated","div":"${'x'.repeat(50 * 1024 * 1024)}"}}\n`, /too long|larger|exceeds|MiB/i],
  ['malformed NDJSON line', 'broken.ndjson', '{"resourceType":"Patient", "id": \n', /JSON/],
  ['__proto__ key', 'proto.ndjson', '{"resourceType":"Patient","__proto__":{"admin":true}}\n', /__proto__/],
  ['XXE file:///etc/passwd', 'xxe.xml', `${CCD_HEAD}<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><ClinicalDocument xmlns="urn:hl7-org:v3">&xxe;</ClinicalDocument>`, /DOCTYPE/],
  ['billion laughs', 'laughs.xml', `${CCD_HEAD}<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><ClinicalDocument xmlns="urn:hl7-org:v3">&c;</ClinicalDocument>`, /DOCTYPE/],
  ['quadratic blowup', 'quadratic.xml', `${CCD_HEAD}<!DOCTYPE q [<!ENTITY a "${'a'.repeat(50_000)}">]><ClinicalDocument xmlns="urn:hl7-org:v3">${'&a;'.repeat(50_000)}</ClinicalDocument>`, /DOCTYPE/],
  ['one million &#65; references', 'refs.xml', `${CCD_HEAD}<ClinicalDocument xmlns="urn:hl7-org:v3"><title>${'&#65;'.repeat(1_000_000)}</title></ClinicalDocument>`, /references/],
  ['zip slip ../../x', 'slip.zip', buildZip([{ name: '../../x.ndjson', data: '{"resourceType":"Patient","id":"slip"}\n' }]), /\.\./],
  ['absolute path in a zip', 'absolute.zip', buildZip([{ name: '/etc/x.ndjson', data: '{"resourceType":"Patient","id":"abs"}\n' }]), /absolute/i],
  ['symlink entry in a zip', 'symlink.zip', buildZip([{ name: 'link.ndjson', data: '/etc/passwd', unixMode: 0o120777 }]), /link/i],
  ['nested zip bomb', 'bomb.zip', bomb, /nested|ratio|archive/i],
];

