// Run as its own process by export-memory.test.ts, with a small V8 heap: exports one person to a
// file and prints the manifest's total and the peak heap and resident set seen, as one JSON line.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { accessControl } from '../../src/access/access.ts';
import { auditLog } from '../../src/audit/index.ts';
import { startExport } from '../../src/export/export-service.ts';
import { openInstance } from '../../src/instance/instance.ts';

const [dataDir, personId, out] = process.argv.slice(2) as [string, string, string];
const instance = await openInstance(dataDir, {});
const before = process.memoryUsage();
let peakHeap = before.heapUsed;
let peakRss = before.rss;
const sample = setInterval(() => {
  const now = process.memoryUsage();
  peakHeap = Math.max(peakHeap, now.heapUsed);
  peakRss = Math.max(peakRss, now.rss);
}, 5);
const running = startExport(
  { access: accessControl(instance.system), people: instance.people, systemAudit: auditLog(instance.system) },
  { actor: { kind: 'cli' }, actorName: 'cli:probe', personId, allVersions: true },
);
await pipeline(running.stream, createWriteStream(out));
const manifest = await running.done;
clearInterval(sample);
instance.close();
console.log(JSON.stringify({ total: manifest.total, attachments: manifest.attachments.length, peakHeap, rssGrowth: peakRss - before.rss }));
