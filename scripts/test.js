// `npm test`: runs every test with vitest and ends with the plain line `N passed, N failed`, which
// CI reads. Exits non-zero when anything failed or nothing ran.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`npm test: Node ${process.versions.node} is too old; run "npm ci" first so the pinned node@22 is used.`);
  process.exit(1);
}

// The backup tests decrypt an archive with the standard `age` tool (Debian package "age"), as a
// person restoring by hand would. Installed here when missing and we may (root with apt-get).
function ensureAge() {
  if (existsSync('/usr/bin/age') || process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return;
  const install = () => spawnSync('apt-get', ['install', '-y', '-q', 'age'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore' });
    install();
  }
}
ensureAge();

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
