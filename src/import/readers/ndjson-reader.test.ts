import { createWriteStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readImportPath } from './index.ts';
import { collect, errors, makeTempDir, resources, HANG_GUARD_MS } from './readers.test-helper.ts';

const temp = makeTempDir();
afterAll(temp.remove);

const SYNTHEA = resolve(import.meta.dirname, '../../../test/fixtures/synthea-10');

describe('NDJSON over the Synthea bulk export', () => {
  const files = readdirSync(SYNTHEA).filter((name) => /^[A-Z]\w+\.\d+\.ndjson$/.test(name));

  it('finds the 13 resource files of the fixture', () => expect(files).toHaveLength(13));

  it.each(files)('%s yields one resource per line, located by line, of the type in the file name', async (name) => {
    const path = join(SYNTHEA, name);
    const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
    const items = await collect(readImportPath(path));
    expect(errors(items)).toEqual([]);
    expect(items).toHaveLength(lines.length);
    const type = name.split('.')[0];
    items.forEach((item, index) => {
      expect(item.location).toEqual({ file: path, line: index + 1 });
      expect(item.kind === 'resource' && item.resource['resourceType']).toBe(type);
    });
  });
});

describe('NDJSON', () => {
  it('reads mixed types, skips blank lines, and reports each bad line by number while carrying on', async () => {
    const path = join(temp.dir, 'mixed.ndjson');
    writeFileSync(
      path,
      [
        '{"resourceType":"Patient","id":"p1","meta":{"versionId":"9","lastUpdated":"2031-01-01T00:00:00Z","source":"ehr"}}',
        '',
        '{"resourceType":"Observation","id":"o1","status":"final"}',
        '{"resourceType":"Observation","id":"o2",',
        '[1,2,3]',
        '{"resourceType":"Condition","id":"c1","__proto__":{"polluted":true}}',
        '   ',
        '{"resourceType":"Encounter","id":"e1"}\r',
      ].join('\n'),
    );
    const items = await collect(readImportPath(path));
    expect(resources(items).map((resource) => `${resource['resourceType']}/${resource['id']}`)).toEqual(['Patient/p1', 'Observation/o1', 'Encounter/e1']);
    expect(resources(items)[0]!['meta']).toEqual({ source: 'ehr' });
    expect(items.filter((item) => item.kind === 'resource').map((item) => item.location.line)).toEqual([1, 3, 8]);
    expect(errors(items).map((item) => item.message)).toEqual([
      `${path} line 4: not valid JSON (expected double-quoted property name at position 40)`,
      `${path} line 5: the top level must be a JSON object (a FHIR resource), not an array`,
      `${path} line 6: forbidden key "__proto__"`,
    ]);
    expect(errors(items).map((item) => item.location.line)).toEqual([4, 5, 6]);
    for (const error of errors(items)) expect(error.message).not.toMatch(/\n\s+at /);
  });

  it('reads gzip-compressed NDJSON', async () => {
    const path = join(temp.dir, 'Patient.ndjson.gz');
    writeFileSync(path, gzipSync('{"resourceType":"Patient","id":"a"}\n{"resourceType":"Patient","id":"b"}\n'));
    const items = await collect(readImportPath(path));
    expect(resources(items).map((resource) => resource['id'])).toEqual(['a', 'b']);
  });

  it('refuses a gzip bomb instead of inflating it', async () => {
    const path = join(temp.dir, 'bomb.ndjson.gz');
    writeFileSync(path, gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)));
    const start = performance.now();
    const items = await collect(readImportPath(path));
    expect(performance.now() - start).toBeLessThan(HANG_GUARD_MS);
    expect(items).toHaveLength(1);
    expect(errors(items)[0]!.message).toMatch(/gzip data expands more than 200:1/);
  });

  it('streams a 200 MB file with an oversized line in bounded memory', async () => {
    const path = join(temp.dir, 'big.ndjson');
    const out = createWriteStream(path);
    const line = JSON.stringify({ resourceType: 'Observation', status: 'final', note: [{ text: 'x'.repeat(900) }] }) + '\n';
    const block = line.repeat(1000);
    let lines = 0;
    for (let i = 0; i < 200; i++) {
      if (i === 100) {
        // One 40 MB line, far past the 8 MiB cap: must be skipped without being held.
        const huge = Buffer.alloc(40 * 1024 * 1024, 0x61);
        if (!out.write(huge)) await once(out, 'drain');
        if (!out.write('\n')) await once(out, 'drain');
        lines += 1;
      }
      if (!out.write(block)) await once(out, 'drain');
      lines += 1000;
    }
    out.end();
    await once(out, 'close');

    // Measured in a child process whose V8 heap is capped at 64 MiB: a reader that held the file, or
    // the oversized line, dies there of heap exhaustion or shows the growth in its resident set.
    const probe = join(import.meta.dirname, 'ndjson-memory-probe.test-helper.ts');
    const run = spawnSync(process.execPath, ['--max-old-space-size=64', probe, path], { encoding: 'utf8' });
    expect(run.stderr.replace(/^.*ExperimentalWarning.*$\n?|^\(Use `node --trace-warnings.*$\n?/gm, '')).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { resources: number; errors: string[]; rssGrowth: number };
    expect(result.resources).toBe(lines - 1);
    expect(result.errors).toEqual([`${path} line 100001: line is longer than 8 MiB (skipped)`]);
    console.log(`rss growth while streaming ${lines} lines: ${(result.rssGrowth / 1024 ** 2).toFixed(1)} MiB`);
    expect(result.rssGrowth).toBeLessThan(100 * 1024 * 1024);
  });
});

describe('NDJSON files that are not FHIR', () => {
  it('skips a bulk-export client log with one warning, but reports a bad first FHIR line as an error', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const log = join(dir, 'log.ndjson');
      writeFileSync(log, '{"exportId":"e","eventId":"kickoff"}\n{"exportId":"e","eventId":"export_complete"}\n');
      expect(await collect(readImportPath(log))).toEqual([
        { kind: 'error', location: { file: log }, severity: 'warning', message: `${log}: warning: not FHIR NDJSON (its first line has no resourceType); file skipped`, reason: 'not FHIR NDJSON (its first line has no resourceType); file skipped' },
      ]);
      const bad = join(dir, 'bad.ndjson');
      writeFileSync(bad, '{"resourceType": 5}\n{"resourceType":"Patient","id":"p"}\n');
      const items = await collect(readImportPath(bad));
      expect(errors(items).map((e) => e.location.line)).toEqual([1]);
      expect(resources(items)).toHaveLength(1);
    } finally {
      remove();
    }
  });
});
