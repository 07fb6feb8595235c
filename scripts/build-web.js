// Builds the web app (web/ → web/dist) with Vite when web/dist is missing or older than its
// sources; `--force` always builds, `--check` only tells. Run by `npm run build:web`, `npm start` (prestart) and `npm test`.
// Prints one line; on failure Vite's own output is shown, then one line saying what failed.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const web = join(root, 'web');
const dist = join(web, 'dist');

/** Newest modification time under a path (files only), skipping the build output. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const name of readdirSync(path)) {
    if (path === web && name === 'dist') continue;
    latest = Math.max(latest, newest(join(path, name)));
  }
  return latest;
}

function builtAt() {
  try {
    return statSync(join(dist, 'index.html')).mtimeMs;
  } catch {
    return 0;
  }
}

const force = process.argv.includes('--force');
// package-lock.json: a dependency update (React, Mantine) changes the bundle too.
const sources = Math.max(newest(web), newest(join(root, 'package-lock.json')));
if (!force && builtAt() >= sources) {
  console.log('web app: up to date (web/dist)');
  process.exit(0);
}
// --check: only say whether a build is needed (browser tests, which must not build in parallel).
if (process.argv.includes('--check')) {
  console.error('web app: web/dist is missing or older than web/; run "npm run build:web" (npm test does it first)');
  process.exit(1);
}

const started = Date.now();
const result = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', web, '--logLevel', 'warn'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
});
if (result.status !== 0) {
  process.stderr.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  console.error(`web app: the build failed (vite build web${result.error ? `: ${result.error.message}` : ''}); see above.`);
  process.exit(1);
}
console.log(`web app: built into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
