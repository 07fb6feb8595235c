#!/usr/bin/env node
// `npm run bench`: see the README ("npm run bench") and bench/run.ts. Plain JavaScript so an old Node gets a one-line message.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`bench: Node ${process.versions.node} is too old; run it as "npm run bench" after "npm ci".\n`);
  process.exit(1);
}
const { runBenchmarks } = await import('../bench/run.ts');
process.exitCode = await runBenchmarks(process.argv.slice(2));
