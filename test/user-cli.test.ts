import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { auditLog, type AuditEntry } from '../src/audit/index.ts';
import { openInstance } from '../src/instance/instance.ts';
import { sessionsOf } from '../src/sessions/sessions-service.ts';
import { runCli, type CliRun } from './helpers/run-cli.ts';

const OWNER_PASSWORD = 'owner-ember-lantern-7';
const ALICE_PASSWORD = 'alice-quiet-harbour-3';
const ALICE_NEW_PASSWORD = 'alice-new-meadow-9';
const PASSWORDS = [OWNER_PASSWORD, ALICE_PASSWORD, ALICE_NEW_PASSWORD, 'qwerty123'];

describe('hearth user', () => {
  let work: string;
  let dataDir: string;
  let personId: string;
  const env = { HEARTH_MASTER_KEY: '56'.repeat(32) };
  const runs: CliRun[] = [];
  const cli = async (args: string[], input?: string) => {
    const run = await runCli([...args, '--data-dir', dataDir], env, input === undefined ? {} : { input });
    runs.push(run);
    return run;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'hearth-user-'));
    dataDir = join(work, 'data');
    await cli(['init']);
    personId = (await cli(['person', 'add', '--name', 'Ada'])).stdout.trim();
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('adds the owner and an account with a grant, the passwords read from standard input', async () => {
    const owner = await cli(['user', 'add', 'root', '--owner', '--json'], `${OWNER_PASSWORD}\n`);
    expect(owner.code, owner.stderr).toBe(0);
    expect(JSON.parse(owner.stdout)).toMatchObject({ username: 'root', isOwner: true, disabledAt: null, grants: [] });
    const second = await cli(['user', 'add', 'other', '--owner'], `${ALICE_PASSWORD}\n`);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already has an owner/);
    const alice = await cli(['user', 'add', 'alice', '--grant', `${personId}:viewer`], `${ALICE_PASSWORD}\nignored second line\n`);
    expect(alice.code, alice.stderr).toBe(0);
    expect(alice.stdout).toContain(`viewer of ${personId}`);
  });

  it('refuses weak, missing and argument passwords without echoing them', async () => {
    const common = await cli(['user', 'add', 'bob'], 'qwerty123\n');
    expect(common.code).toBe(1);
    expect(common.stderr).toMatch(/commonly used passwords/);
    const short = await cli(['user', 'add', 'bob', '--json'], 'short\n');
    expect(JSON.parse(short.stdout).error).toMatchObject({ code: 'invalid' });
    const none = await cli(['user', 'add', 'bob']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no password given/);
    const asArgument = await cli(['user', 'add', 'bob', '--password', ALICE_PASSWORD]);
    expect(asArgument.code).toBe(1);
    const badGrant = await cli(['user', 'add', 'bob', '--grant', `${personId}:admin`], `${ALICE_PASSWORD}\n`);
    expect(badGrant.stderr).toMatch(/a role is one of owner, manager, viewer/);
  });

  it('lists accounts and grants, never hashes', async () => {
    const list = await cli(['user', 'list', '--json']);
    const accounts = JSON.parse(list.stdout) as { username: string; isOwner: boolean; grants: unknown[] }[];
    expect(accounts.map((a) => [a.username, a.isOwner, a.grants])).toEqual([
      ['root', true, []],
      ['alice', false, [{ personId, role: 'viewer' }]],
    ]);
    expect(list.stdout).not.toContain('argon2');
    const human = await cli(['user', 'list']);
    expect(human.stdout).toMatch(/USERNAME\s+ID\s+OWNER\s+STATUS\s+GRANTS/);
    expect(human.stdout).toContain(`${personId}:viewer`);
  });

  it('resets a password and disables an account', async () => {
    // Two signed-in sessions of alice's, which the reset must end.
    const before = await openInstance(dataDir, env);
    const aliceId = accountsOf(before.system).byUsername('alice')!.id;
    const sessions = sessionsOf(before.system);
    const raw = [sessions.create(aliceId, {}), sessions.create(aliceId, {})];
    before.close();
    const reset = await cli(['user', 'reset-password', 'alice'], `${ALICE_NEW_PASSWORD}\n`);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/new password set for alice; 2 session\(s\) ended/);
    const after = await openInstance(dataDir, env);
    expect(raw.map(({ rawId }) => sessionsOf(after.system).resolve(rawId))).toEqual([undefined, undefined]);
    after.close();
    expect((await cli(['user', 'reset-password', 'nobody'], `${ALICE_NEW_PASSWORD}\n`)).code).toBe(1);
    const ownerDisable = await cli(['user', 'disable', 'root']);
    expect(ownerDisable.code).toBe(1);
    expect(ownerDisable.stderr).toMatch(/only owner/);

    let instance = await openInstance(dataDir, env);
    try {
      const accounts = accountsOf(instance.system);
      await expect(accounts.authenticate('alice', ALICE_PASSWORD)).rejects.toThrow('unknown user or wrong password');
      expect((await accounts.authenticate('alice', ALICE_NEW_PASSWORD)).username).toBe('alice');
      expect((await accounts.authenticate('root', OWNER_PASSWORD)).isOwner).toBe(true);
    } finally {
      instance.close();
    }

    const disable = await cli(['user', 'disable', 'alice', '--json']);
    expect(disable.code, disable.stderr).toBe(0);
    expect(JSON.parse(disable.stdout).disabledAt).toMatch(/^\d{4}-/);
    instance = await openInstance(dataDir, env);
    try {
      await expect(accountsOf(instance.system).authenticate('alice', ALICE_NEW_PASSWORD)).rejects.toThrow('unknown user or wrong password');
    } finally {
      instance.close();
    }
  });

  it('records every change in the system audit trail, and no password anywhere', async () => {
    const instance = await openInstance(dataDir, env);
    let entries: AuditEntry[];
    try {
      entries = auditLog(instance.system).list({ action: 'setting' });
      expect(auditLog(instance.system).verify().ok).toBe(true);
    } finally {
      instance.close();
    }
    const changes = entries.filter((e) => e.what?.query?.includes('change=')).map((e) => [new URLSearchParams(e.what!.query).get('change'), e.outcome]);
    expect(changes).toEqual([
      ['user-add-owner', 'success'],
      ['user-add-owner', 'failure'],
      ['user-add', 'success'],
      ['grant', 'success'],
      ['user-add', 'failure'], // qwerty123
      ['user-add', 'failure'], // too short; a bad --grant is refused before the instance opens
      ['reset-password', 'success'],
      ['reset-password', 'failure'],
      ['disable', 'failure'],
      ['disable', 'success'],
    ]);
    expect(entries.find((e) => e.what?.query?.startsWith('change=grant'))?.personId).toBe(personId);
    const audit = JSON.stringify(entries);
    const output = runs.map((run) => run.stdout + run.stderr).join('\n');
    for (const password of PASSWORDS) {
      expect(audit).not.toContain(password);
      expect(output).not.toContain(password);
    }
  });
});
