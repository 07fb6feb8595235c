#!/usr/bin/env -S node --max-old-space-size=320
// Plain JavaScript on purpose: it must run on any Node to say, in one line, that Node is too old.
// Hearth itself is TypeScript run through Node's built-in type stripping (Node >= 22.18).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `hearth: Node ${process.versions.node} is too old; Hearth needs Node 22.18 or newer (run it through "npm run"/"npx", which use the pinned node@22).\n`,
  );
  process.exit(1);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
