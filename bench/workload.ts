import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { demoFamily, generatePersonRecords } from '../src/demo/index.ts';

/**
 * Writes a person's synthetic records as NDJSON until `target` records or `maxBytes` are written.
 * Past the generator's own output it repeats it with fresh ids (`-r<n>` suffix on every id and
 * reference), so a gigabyte of realistic, valid records can be produced without holding them.
 */
export async function writeDemoNdjson(path: string, options: { target?: number; maxBytes?: number; seed?: number }): Promise<{ records: number; bytes: number }> {
  const seed = options.seed ?? 7;
  const plan = demoFamily(seed)[0]!;
  const out = createWriteStream(path);
  let records = 0;
  let bytes = 0;
  const target = options.target ?? Number.POSITIVE_INFINITY;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  for (let round = 0; records < target && bytes < maxBytes; round++) {
    for (const resource of generatePersonRecords(plan, { seed, targetResources: Math.min(100_000, target) })) {
      if (records >= target || bytes >= maxBytes) break;
      let line = JSON.stringify(resource);
      if (round > 0) line = line.replace(/("id":"|"reference":"[A-Za-z]+\/)([A-Za-z0-9\-.]+)"/g, `$1$2-r${round}"`);
      line += '\n';
      bytes += Buffer.byteLength(line);
      records++;
      if (!out.write(line)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  return { records, bytes };
}
