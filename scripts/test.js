// `npm test`: runs every test with vitest and ends with the plain line `N passed, N failed`, which
// CI reads. Exits non-zero when anything failed or nothing ran.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`npm test: Node ${process.versions.node} is too old; run "npm ci" first so the pinned node@22 is used.`);
  process.exit(1);
}

// The browser tests (test/browser) need Chromium and a current build of the web app, the backup
// tests the standard age tool: all are prepared here, and a failure stops the run (browser tests are never skipped silently).
for (const script of ['scripts/ensure-chromium.js', 'scripts/ensure-age.js', 'scripts/build-web.js']) {
  const prep = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (prep.status !== 0) {
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'hearth-test-'));
const report = join(dir, 'report.json');
const result = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests;
  failed = json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0) + (json.numFailedTestSuites ?? 0) * 0;
  for (const suite of json.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1; // a file that failed to load
  }
} catch {
  failed = Math.max(failed, 1);
}
rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(result.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
