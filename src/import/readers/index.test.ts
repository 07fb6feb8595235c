import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { HearthError } from '../../errors/hearth-error.ts';
import { bufferFingerprint, describeFile, fileFingerprint, readImportBuffer, readImportPath } from './index.ts';
import { collect, errors, makeTempDir, resources } from './readers.test-helper.ts';
import { buildZip } from './zip-writer.test-helper.ts';

const temp = makeTempDir();
afterAll(temp.remove);

function write(relative: string, content: string | Buffer): string {
  const path = join(temp.dir, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

describe('readImportPath over a folder', () => {
  it('reads known extensions recursively in sorted order and leaves everything else alone', async () => {
    const root = join(temp.dir, 'export');
    write('export/b/Patient.ndjson', '{"resourceType":"Patient","id":"p"}\n');
    write('export/a.json', '{"resourceType":"Basic","id":"a"}');
    write('export/b/Observation.ndjson', '{"resourceType":"Observation","id":"o"}\n');
    write('export/c.zip', buildZip([{ name: 'Condition.ndjson', data: '{"resourceType":"Condition","id":"c"}\n' }]));
    write('export/LICENSE', 'not a record');
    write('export/notes.txt', '{"resourceType":"Patient"}');
    write('export/.hidden/Patient.ndjson', '{"resourceType":"Patient","id":"hidden"}\n');
    symlinkSync(join(root, 'b'), join(root, 'loop'));
    const items = await collect(readImportPath(root));
    expect(errors(items)).toEqual([]);
    expect(items.map((item) => item.location.file)).toEqual([
      join(root, 'a.json'),
      join(root, 'b/Observation.ndjson'),
      join(root, 'b/Patient.ndjson'),
      `${join(root, 'c.zip')}!Condition.ndjson`,
    ]);
  });

  it('reads a single file of any supported kind, and says why it cannot read others', async () => {
    const single = write('single/Patient.ndjson', '{"resourceType":"Patient","id":"x"}');
    expect(resources(await collect(readImportPath(single)))).toEqual([{ resourceType: 'Patient', id: 'x' }]);
    const text = write('single/notes.txt', 'hello');
    expect(await collect(readImportPath(text))).toEqual([
      expect.objectContaining({ kind: 'error', location: { file: text }, message: `${text}: not a format Hearth imports (FHIR NDJSON, JSON, C-CDA XML or a zip of them)` }),
    ]);
  });

  it('throws a HearthError for a path that does not exist, and for a bad limit', async () => {
    await expect(collect(readImportPath(join(temp.dir, 'missing')))).rejects.toThrow(new HearthError('not-found', `no such file or folder: ${join(temp.dir, 'missing')}`));
    await expect(collect(readImportPath(temp.dir, { limits: { maxLineBytes: -1 } }))).rejects.toThrow(/read limit "maxLineBytes" must be a positive number/);
  });
});

describe('describeFile', () => {
  it('detects formats by extension and first bytes', () => {
    expect(describeFile(write('d/x.ndjson', '{}'))).toEqual({ format: 'ndjson' });
    expect(describeFile(write('d/x.ndjson.gz', Buffer.from([0x1f, 0x8b])))).toEqual({ format: 'ndjson', gzip: true });
    expect(describeFile(write('d/bundle.json', '{\n  "resourceType": "Bundle",\n  "type": "collection"\n}'))).toEqual({ format: 'bundle' });
    expect(describeFile(write('d/patient.json', '{"resourceType":"Patient"}'))).toEqual({ format: 'json-resource' });
    expect(describeFile(write('d/ccd.xml', '<?xml version="1.0"?><ClinicalDocument/>'))).toEqual({ format: 'ccda' });
    expect(describeFile(write('d/a.zip', buildZip([])))).toEqual({ format: 'zip' });
    expect(describeFile(write('d/download', buildZip([])))).toEqual({ format: 'zip' });
    expect(describeFile(write('d/export.txt', '{"resourceType":"Patient"}\n{"resourceType":"Patient"}\n'))).toEqual({ format: 'ndjson' });
    expect(describeFile(write('d/document', '\uFEFF<ClinicalDocument/>'))).toEqual({ format: 'ccda' });
    expect(() => describeFile(write('d/photo.jpg', Buffer.from([0xff, 0xd8, 0xff])))).toThrow(/not a format Hearth imports/);
  });
});

describe('fileFingerprint', () => {
  it('is the SHA-256 of the content, stable across names', async () => {
    const content = Buffer.alloc(3 * 1024 * 1024 + 7, 0x61);
    const a = write('f/a.ndjson', content);
    const b = write('f/b.ndjson', content);
    const expected = createHash('sha256').update(readFileSync(a)).digest('hex');
    expect(await fileFingerprint(a)).toBe(expected);
    expect(await fileFingerprint(b)).toBe(expected);
    expect(await fileFingerprint(write('f/c.ndjson', 'other'))).not.toBe(expected);
  });
});

describe('readImportBuffer (an upload held in memory)', () => {
  const ccd = readFileSync(join(import.meta.dirname, 'fixtures', 'ccd-sample.xml'));
  const ndjson = '{"resourceType":"Patient","id":"p1"}\n{"resourceType":"Patient","id":"p2"}\n';
  const cases: [name: string, content: Buffer][] = [
    ['Patient.ndjson', Buffer.from(ndjson)],
    ['Patient.ndjson.gz', gzipSync(ndjson)],
    ['bundle.json', Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Condition', id: 'c1' } }] }))],
    ['ccd.xml', ccd],
    ['export.zip', buildZip([{ name: 'a/Patient.ndjson', data: ndjson }, { name: 'b/ccd.xml', data: ccd }])],
    // Large enough to arrive in several chunks, with a line across a chunk boundary.
    ['big.ndjson', Buffer.from(Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ resourceType: 'Basic', id: `b${i}`, code: { text: 'x'.repeat(40) } })).join('\n'))],
  ];

  it.each(cases)('reads %s exactly as the same file on disk', async (name, content) => {
    const path = write(`buffers/${name}`, content);
    const fromDisk = await collect(readImportPath(path));
    const fromMemory = await collect(readImportBuffer(path, content));
    expect(errors(fromDisk)).toEqual([]);
    expect(resources(fromDisk).length).toBeGreaterThan(0);
    expect(fromMemory).toEqual(fromDisk);
  });

  it('takes the format from the name, sniffs a name without an extension, and refuses the unknown', async () => {
    expect(resources(await collect(readImportBuffer('download', Buffer.from(ndjson))))).toHaveLength(2);
    expect(await collect(readImportBuffer('photo.jpg', Buffer.from([0xff, 0xd8, 0xff])))).toEqual([
      expect.objectContaining({ kind: 'error', location: { file: 'photo.jpg' }, message: 'photo.jpg: not a format Hearth imports (FHIR NDJSON, JSON, C-CDA XML or a zip of them)' }),
    ]);
  });

  it('refuses a JSON document past the cap from its size, and has a SHA-256 fingerprint', async () => {
    const big = Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [], note: 'x'.repeat(5000) }));
    expect(errors(await collect(readImportBuffer('b.json', big, { limits: { maxBundleBytes: 4096 } })))[0]!.message).toMatch(/larger than/);
    expect(bufferFingerprint(big)).toBe(createHash('sha256').update(big).digest('hex'));
  });
});
