// The backup tests decrypt an archive with the standard `age` tool (Debian package "age"), as a
// person restoring by hand would. Installs it when missing and we are root on Debian; otherwise
// says in one line how to install it. Run by `npm test` (scripts/test.js) and .ci/run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const AGE = '/usr/bin/age';

if (!existsSync(AGE)) {
  if (process.getuid?.() === 0 && existsSync('/etc/debian_version')) {
    console.log('age: not installed; installing it with apt-get (needed by the backup tests)');
    const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'age'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    // A fresh container has no package lists yet: fetch them once and retry.
    if (install().status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit' });
      install();
    }
  }
  if (!existsSync(AGE)) {
    console.error(`age: ${AGE} is missing and the backup tests need it; install it with "sudo apt-get install age" (Debian/Ubuntu).`);
    process.exit(1);
  }
}
