import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readImportBuffer, readImportPath, type ReadOptions } from './index.ts';
import { collect, errors, makeTempDir, resources, HANG_GUARD_MS } from './readers.test-helper.ts';
import { buildZip, type ZipEntrySpec } from './zip-writer.test-helper.ts';

const temp = makeTempDir();
afterAll(temp.remove);

let counter = 0;
function writeZip(entries: ZipEntrySpec[]): string {
  const path = join(temp.dir, `archive-${counter++}.zip`);
  writeFileSync(path, buildZip(entries));
  return path;
}

const PATIENTS = '{"resourceType":"Patient","id":"p1"}\n{"resourceType":"Patient","id":"p2"}\n';
const GOOD: ZipEntrySpec = { name: 'export/Patient.ndjson', data: PATIENTS };

/**
 * Reads a hostile archive from its file and, as an upload, from memory: each time exactly one error,
 * no resources, under a second, and the same reason from both.
 */
async function refusal(entries: ZipEntrySpec[], options?: ReadOptions): Promise<string> {
  const path = writeZip(entries);
  const reasons: string[] = [];
  for (const read of [() => readImportPath(path, options), () => readImportBuffer(path, readFileSync(path), options)]) {
    const start = performance.now();
    const items = await collect(read());
    expect(performance.now() - start).toBeLessThan(HANG_GUARD_MS);
    expect(resources(items)).toEqual([]);
    expect(items).toHaveLength(1);
    expect(items[0]!.location).toEqual({ file: path });
    const message = errors(items)[0]!.message;
    expect(message.startsWith(`${path}: `)).toBe(true);
    reasons.push(message.slice(path.length + 2));
  }
  expect(reasons[1]).toBe(reasons[0]);
  return reasons[0]!;
}

describe('zip archives', () => {
  it('streams NDJSON, JSON and C-CDA entries in name order, located inside the archive', async () => {
    const ccd = readFileSync(join(import.meta.dirname, 'fixtures', 'ccd-sample.xml'));
    const path = writeZip([
      { name: 'z/Observation.ndjson.gz', data: gzipSync('{"resourceType":"Observation","id":"o1","status":"final"}\n'), method: 'store' },
      { name: 'export/', data: '' },
      GOOD,
      { name: 'export/bundle.json', data: JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Condition', id: 'c1' } }] }) },
      { name: 'documents/ccd.xml', data: ccd },
      { name: 'README.txt', data: 'not read' },
      { name: '__MACOSX/export/._Patient.ndjson', data: 'resource fork' },
    ]);
    const items = await collect(readImportPath(path));
    expect(errors(items)).toEqual([]);
    const files = [...new Set(items.map((item) => item.location.file))];
    expect(files).toEqual([`${path}!documents/ccd.xml`, `${path}!export/Patient.ndjson`, `${path}!export/bundle.json`, `${path}!z/Observation.ndjson.gz`]);
    const patients = items.filter((item) => item.location.file === `${path}!export/Patient.ndjson`);
    expect(patients.map((item) => item.location.line)).toEqual([1, 2]);
    expect(items.find((item) => item.location.file.endsWith('bundle.json'))!.location.entry).toBe(0);
    expect(resources(items).filter((resource) => resource['resourceType'] === 'Composition')).toHaveLength(1);
  });

  it('refuses zip slip: ../../x', async () => {
    expect(await refusal([GOOD, { name: '../../x.ndjson', data: PATIENTS }])).toBe('archive entry "../../x.ndjson" climbs out of the archive with ".."');
    expect(await refusal([{ name: 'export/../../../etc/cron.d/x.json', data: '{}' }])).toMatch(/climbs out of the archive/);
  });

  it('refuses absolute paths and drive letters', async () => {
    expect(await refusal([GOOD, { name: '/etc/passwd.ndjson', data: PATIENTS }])).toBe('archive entry "/etc/passwd.ndjson" is an absolute path');
    expect(await refusal([{ name: 'C:/Windows/x.json', data: '{}' }])).toBe('archive entry "C:/Windows/x.json" is an absolute path');
    expect(await refusal([{ name: 'C:\\Windows\\x.json', data: '{}' }])).toMatch(/contains a backslash/);
  });

  it('refuses symbolic link entries', async () => {
    expect(await refusal([GOOD, { name: 'export/link.ndjson', data: '/etc/passwd', unixMode: 0o120777, method: 'store' }])).toBe(
      'archive entry "export/link.ndjson" is a symbolic link; links are refused',
    );
  });

  it('refuses more entries than maxZipEntries, from the count alone', async () => {
    const many = Array.from({ length: 10_001 }, (_, index) => ({ name: `e/${index}.txt`, method: 'store' as const }));
    expect(await refusal(many)).toBe('archive has 10001 entries, more than the 10000 allowed');
    expect(await refusal([GOOD, GOOD, { name: 'c.ndjson' }], { limits: { maxZipEntries: 2 } })).toMatch(/3 entries, more than the 2 allowed/);
  });

  it('refuses an archive that declares more than maxZipTotalBytes', async () => {
    const entries = ['a', 'b', 'c'].map((name) => ({ name: `${name}.ndjson`, data: PATIENTS, method: 'store' as const }));
    expect(await refusal(entries, { limits: { maxZipTotalBytes: PATIENTS.length * 2 } })).toMatch(/^archive expands to more than \d+ bytes$/);
  });

  it('refuses a zip bomb entry by its compression ratio, before inflating anything', async () => {
    const bomb = { name: 'export/Observation.ndjson', data: Buffer.alloc(50 * 1024 * 1024, 0x20) };
    expect(await refusal([GOOD, bomb])).toMatch(/^archive entry "export\/Observation.ndjson" has a \d+:1 compression ratio \(more than 200:1 looks like a zip bomb\)$/);
  });

  it('stops at the real size when a header lies about it', async () => {
    const path = writeZip([{ name: 'Patient.ndjson', data: PATIENTS.repeat(100), declaredSize: 40 }]);
    const items = await collect(readImportPath(path));
    expect(errors(items).length).toBeGreaterThan(0);
    expect(errors(items).at(-1)!.message).toMatch(/Patient.ndjson: archive entry does not match the size its header declares \(too many bytes in the stream/);
    expect(resources(items).length).toBeLessThanOrEqual(1);
  });

  it('refuses nested archives (a nested zip bomb is never expanded) and reads the rest', async () => {
    const innerBomb = buildZip([{ name: 'bomb.ndjson', data: Buffer.alloc(20 * 1024 * 1024, 0x20) }]);
    const path = writeZip([GOOD, { name: 'inner/bomb.zip', data: innerBomb, method: 'store' }]);
    const start = performance.now();
    const items = await collect(readImportPath(path));
    expect(performance.now() - start).toBeLessThan(HANG_GUARD_MS);
    expect(errors(items)).toEqual([
      expect.objectContaining({ kind: 'error', location: { file: `${path}!inner/bomb.zip` }, message: `${path}!inner/bomb.zip: nested archives are not imported` }),
    ]);
    expect(resources(items).map((resource) => resource['id'])).toEqual(['p1', 'p2']);
  });

  it('refuses encrypted entries and reports a corrupt archive cleanly', async () => {
    const path = writeZip([GOOD, { name: 'secret.ndjson', data: PATIENTS, flags: 0x1 }]);
    const items = await collect(readImportPath(path));
    expect(errors(items).map((item) => item.message)).toEqual([`${path}!secret.ndjson: encrypted archive entries are not supported`]);
    const corrupt = join(temp.dir, 'corrupt.zip');
    writeFileSync(corrupt, Buffer.from('PK\u0003\u0004 this is not really a zip file at all'));
    const broken = await collect(readImportPath(corrupt));
    expect(broken).toHaveLength(1);
    expect(errors(broken)[0]!.message).toMatch(/^.*corrupt\.zip: not a readable zip archive \(/);
  });
});
