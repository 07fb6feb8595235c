import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe } from './helpers/run-cli.ts';

// The session and limiter settings travel from `hearth serve`'s flags to the running server.
describe('hearth serve --max-failed-logins-per-hour', () => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-serve-auth-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('limits failed sign-ins as configured, and prints the settings', async () => {
    const env = { HEARTH_MASTER_KEY: '58'.repeat(32), HEARTH_SESSION_IDLE_MINUTES: '20' };
    const { child, address, stderr } = await startServe(['--data-dir', join(work, 'data'), '--max-failed-logins-per-hour', '2'], env);
    try {
      const post = (path: string, body: unknown) =>
        fetch(`${address}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hearth-csrf': '1' }, body: JSON.stringify(body) });
      expect((await post('/api/setup', { username: 'alice', password: 'correct horse battery' })).status).toBe(201);
      expect((await post('/api/login', { username: 'alice', password: 'wrong guess one' })).status).toBe(401);
      expect((await post('/api/login', { username: 'alice', password: 'wrong guess two' })).status).toBe(401);
      expect((await post('/api/login', { username: 'alice', password: 'correct horse battery' })).status).toBe(429);
      expect(stderr()).toContain('login limit     2 failures/hour/account  (command line)');
      expect(stderr()).toContain('session idle    20 min  (environment)');
    } finally {
      const exit = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exit;
    }
  });
});
