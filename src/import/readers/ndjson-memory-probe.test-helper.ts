// Run as its own process by ndjson-reader.test.ts, with a small V8 heap: streams one file through
// readImportPath and prints what it saw and how much the resident set grew, as one JSON line.
import { readImportPath } from './index.ts';

const path = process.argv[2]!;
const before = process.memoryUsage().rss;
let peak = before;
let resources = 0;
const errors: string[] = [];
for await (const item of readImportPath(path)) {
  if (item.kind === 'resource') resources++;
  else errors.push(item.message);
  if ((resources & 0xfff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
}
peak = Math.max(peak, process.memoryUsage().rss);
console.log(JSON.stringify({ resources, errors, rssGrowth: peak - before }));
