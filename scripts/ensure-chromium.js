// The browser tests drive Debian's Chromium (/usr/bin/chromium); Playwright never downloads one.
// Installs it when missing and we are root on Debian; otherwise says in one line how to install it.
// Run by `npm test` (scripts/test.js) and .ci/run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  const root = process.getuid?.() === 0;
  const debian = existsSync('/etc/debian_version');
  if (root && debian) {
    console.log('chromium: not installed; installing it with apt-get (needed by the browser tests)');
    const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    // A fresh container has no package lists yet: fetch them once and retry.
    if (install().status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit' });
      install();
    }
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`chromium: ${CHROMIUM} is missing and the browser tests need it; install it with "sudo apt-get install chromium" (Debian/Ubuntu).`);
    process.exit(1);
  }
}
