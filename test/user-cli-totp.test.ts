import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { totpService } from '../src/accounts/totp.ts';
import { auditLog } from '../src/audit/index.ts';
import { openInstance } from '../src/instance/instance.ts';
import { runCli } from './helpers/run-cli.ts';

// The operator at the shell helps a person locked out of their second factor.
describe('hearth user reset-password --disable-totp', () => {
  let work: string;
  let dataDir: string;
  const env = { HEARTH_MASTER_KEY: '57'.repeat(32) };
  const cli = (args: string[], input?: string) => runCli([...args, '--data-dir', dataDir], env, input === undefined ? {} : { input });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'hearth-user-totp-'));
    dataDir = join(work, 'data');
    await cli(['init']);
    expect((await cli(['user', 'add', 'root', '--owner'], 'owner-ember-lantern-7\n')).code).toBe(0);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('turns the second factor off with the new password, and says so', async () => {
    let instance = await openInstance(dataDir, env);
    try {
      const id = accountsOf(instance.system).byUsername('root')!.id;
      const totp = totpService({ db: instance.system, sealKey: instance.totpSeedKey });
      const { secret } = totp.begin(id, 'root');
      totp.confirm(id, TOTP.generate({ secret: Secret.fromBase32(secret) }));
      expect(totp.isEnabled(id)).toBe(true);
    } finally {
      instance.close();
    }
    const plain = await cli(['user', 'reset-password', 'root'], 'owner-new-meadow-9\n');
    expect(plain.stdout).not.toContain('second factor');
    const reset = await cli(['user', 'reset-password', 'root', '--disable-totp'], 'owner-new-meadow-8\n');
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/second factor turned off/);
    instance = await openInstance(dataDir, env);
    try {
      const id = accountsOf(instance.system).byUsername('root')!.id;
      expect(totpService({ db: instance.system, sealKey: instance.totpSeedKey }).isEnabled(id)).toBe(false);
      const queries = auditLog(instance.system).list({ action: 'setting' }).map((entry) => entry.what?.query);
      expect(queries).toContain(`change=totp-disable&account=${id}`);
    } finally {
      instance.close();
    }
  });
});
