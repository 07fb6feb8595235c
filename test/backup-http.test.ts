import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { loadBackupConfig } from '../src/backup/backup-config.ts';
import { backupScheduler } from '../src/backup/backup-scheduler.ts';
import { backupService } from '../src/backup/backup-service.ts';
import { decryptEscrow } from '../src/backup/escrow.ts';
import { buildServer } from '../src/http/server.ts';
import { loadMasterKey } from '../src/instance/master-key-source.ts';
import { tempInstance } from './helpers/temp-instance.ts';

const OWNER = { username: 'olive', password: 'correct horse battery' };
const OTHER = { username: 'oscar', password: 'another long secret' };
const HOUR = 3_600_000;

describe('GET/POST /api/backups (real server on 127.0.0.1)', () => {
  let instance: Awaited<ReturnType<typeof tempInstance>>;
  let app: FastifyInstance;
  let base: string;
  let work: string;
  let clock = Date.parse('2026-05-01T08:00:00Z');
  let config: ReturnType<typeof loadBackupConfig>;
  let annId: string;
  const call = async (method: string, path: string, cookie?: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(method !== 'GET' ? { 'x-hearth-csrf': '1' } : {}), ...(cookie ? { cookie: `__Host-hearth-session=${cookie}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const session = response.headers.getSetCookie().map((l) => /^__Host-hearth-session=([^;]+)/.exec(l)?.[1]).find(Boolean);
    return { status: response.status, json: text ? JSON.parse(text) : undefined, session };
  };

  beforeAll(async () => {
    instance = await tempInstance();
    work = mkdtempSync(join(tmpdir(), 'hearth-backup-http-'));
    const identity = await generateX25519Identity();
    writeFileSync(join(work, 'id.txt'), `# public key: ${await identityToRecipient(identity)}\n${identity}\n`, { mode: 0o600 });
    config = loadBackupConfig(instance.paths.root, { HEARTH_BACKUP_TARGETS: `${join(work, 'a')},${join(work, 'b')}`, HEARTH_BACKUP_IDENTITY_FILE: join(work, 'id.txt') });
    const backups = backupScheduler({ instance, config, env: {}, now: () => clock });
    app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] }, { auth: { now: () => clock, sleep: async () => undefined }, backups });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    annId = instance.people.add('Ann').id;
  });
  afterAll(async () => {
    await app.close();
    instance.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('is for the owner only, needs a fresh re-authentication to run, and reports history and warnings', async () => {
    const owner = (await call('POST', '/api/setup', undefined, OWNER)).session!;
    await accountsOf(instance.system).addAccount(OTHER.username, OTHER.password);
    const other = (await call('POST', '/api/login', undefined, OTHER)).session!;
    expect((await call('GET', '/api/backups')).status).toBe(401);
    expect((await call('GET', '/api/backups', other)).status).toBe(403);
    expect((await call('POST', '/api/backups', other)).status).toBe(403);

    const before = await call('GET', '/api/backups', owner);
    expect(before.status).toBe(200);
    expect(before.json.history).toEqual([]);
    expect(before.json.warnings).toEqual(['overdue']);
    expect(before.json.nextRunAt).toBe(new Date(clock).toISOString());

    clock += 10 * 60_000;
    const stale = await call('POST', '/api/backups', owner);
    expect(stale.status).toBe(401);
    expect(stale.json.error.code).toBe('reauth-required');
    expect((await call('POST', '/api/reauth', owner, { password: OWNER.password })).status).toBe(204);
    const ran = await call('POST', '/api/backups', owner);
    expect(ran.status, JSON.stringify(ran.json)).toBe(201);
    expect(ran.json.backup.status).toBe('ok');
    expect(ran.json.status.warnings).toEqual([]);
    expect(ran.json.status.lastVerification.ok).toBe(true);
    expect(ran.json.status.nextRunAt).toBe(new Date(clock + 24 * HOUR).toISOString());
    const id = ran.json.backup.id as string;

    // A person deleted over HTTP leaves every target's key escrow at once (the server's backup config).
    const identity = { identity: readFileSync(join(work, 'id.txt'), 'utf8').split('\n')[1]! };
    const escrowed = async (target: string) => Object.keys((await decryptEscrow(readFileSync(join(work, target, 'keys', 'escrow.age')), identity)).people);
    expect(await escrowed('b')).toEqual([annId]);
    expect((await call('DELETE', `/api/people/${annId}`, owner, { confirm: 'Ann' })).status).toBe(204);
    for (const target of ['a', 'b']) expect(await escrowed(target)).toEqual([]);

    // The schedule lives in the log: a new scheduler (a restart) computes the same next run.
    expect(backupScheduler({ instance, config, now: () => clock }).status().nextRunAt).toBe(ran.json.status.nextRunAt);

    // A corrupt second copy and the failed verification that finds it: loud warnings.
    const second = join(work, 'b', `${id}.age`);
    const bytes = readFileSync(second);
    bytes[200]! ^= 1;
    writeFileSync(second, bytes);
    const { key } = await loadMasterKey(instance.paths, {});
    expect((await backupService({ instance, config, masterKey: key, now: () => new Date(clock) }).verify(id)).ok).toBe(false);
    const warned = await call('GET', '/api/backups', owner);
    expect(warned.json.warnings).toEqual(expect.arrayContaining(['verification-failed', 'copy-problem']));
    expect(warned.json.history[0].copies[1]).toMatchObject({ ok: false, problem: expect.stringMatching(/SHA-256/) });

    // Overdue once the interval and its grace have passed without a good backup.
    clock += 31 * HOUR;
    const again = (await call('POST', '/api/login', undefined, OWNER)).session!;
    expect((await call('GET', '/api/backups', again)).json.warnings).toContain('overdue');
  }, 120_000);

  it('runs an overdue backup by itself soon after start, then verifies it', async () => {
    const before = backupScheduler({ instance, config, now: () => clock }).status().history.length;
    const scheduler = backupScheduler({ instance, config, env: {}, now: () => clock, startupDelayMs: 10 });
    scheduler.start();
    try {
      // Bounded wait for the timer's backup (no timing assertion: only that it happens).
      for (let i = 0; i < 600 && scheduler.status().history.length === before; i += 1) await new Promise((r) => setTimeout(r, 50));
      await scheduler.idle();
      const status = scheduler.status();
      expect(status.history.length).toBe(before + 1);
      expect(status.history[0]!.status).toBe('ok');
      expect(status.lastVerification?.backupId).toBe(status.history[0]!.id);
    } finally {
      scheduler.stop();
    }
  }, 60_000);
});
