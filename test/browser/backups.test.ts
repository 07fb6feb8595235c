import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { loadBackupConfig } from '../../src/backup/backup-config.ts';
import { backupScheduler } from '../../src/backup/backup-scheduler.ts';
import { backupService } from '../../src/backup/backup-service.ts';
import { buildServer } from '../../src/http/server.ts';
import { loadMasterKey } from '../../src/instance/master-key-source.ts';
import { tempInstance } from '../helpers/temp-instance.ts';
import { accessibilityViolations, type Browser, createOwner, launch, requireBrowserPrerequisites, requireRoutes } from './browser.ts';

// The owner's Backups page in real Chromium: the loud banner while backups are overdue, a backup
// started from the page, and the banner again once a verification fails.
const OWNER = { username: 'owner', password: 'a long kitchen table' };

let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let base: string;
let work: string;
let config: ReturnType<typeof loadBackupConfig>;
let browser: Browser | undefined;

beforeAll(async () => {
  requireBrowserPrerequisites();
  instance = await tempInstance();
  work = mkdtempSync(join(tmpdir(), 'hearth-backup-web-'));
  const identity = await generateX25519Identity();
  writeFileSync(join(work, 'id.txt'), `# public key: ${await identityToRecipient(identity)}\n${identity}\n`, { mode: 0o600 });
  config = loadBackupConfig(instance.paths.root, { HEARTH_BACKUP_TARGETS: `${join(work, 'primary')},${join(work, 'second')}`, HEARTH_BACKUP_IDENTITY_FILE: join(work, 'id.txt') });
  // The scheduler is not started: the page's button runs the backup.
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] }, { backups: backupScheduler({ instance, config, env: {} }) });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  instance?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('backups page in Chromium', () => {
  it('warns loudly when overdue or a verification failed, and backs up on request', { timeout: 120_000 }, async () => {
    browser = await launch(base, { artifactDir: 'backups' });
    onTestFailed(async () => {
      await browser?.screenshot('failure').catch(() => undefined);
    });
    const { page } = browser;
    await createOwner(page, base, OWNER);
    await requireRoutes(base, [['GET', '/api/backups'], ['POST', '/api/backups']]);
    instance.people.add('Robin Example');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Backups' }).click();
    await page.getByRole('heading', { name: 'Backups' }).waitFor();
    const banner = page.getByTestId('backup-warning');
    await banner.getByText(/OVERDUE/).waitFor();
    await browser.screenshot('overdue');
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByRole('cell', { name: 'ok', exact: true }).waitFor();
    await banner.waitFor({ state: 'detached' });
    await page.getByText(/Last verification: .* — ok/).waitFor();
    const [row] = backupService({ instance, config, masterKey: Buffer.alloc(32) }).list();
    expect(row?.status).toBe('ok');

    // Damage the second copy; the next verification fails and the page says so.
    const second = join(work, 'second', `${row!.id}.age`);
    const bytes = readFileSync(second);
    bytes[bytes.length - 10]! ^= 1;
    writeFileSync(second, bytes);
    const { key } = await loadMasterKey(instance.paths, {});
    expect((await backupService({ instance, config, masterKey: key }).verify(row!.id)).ok).toBe(false);
    await page.reload();
    await banner.getByText(/verification FAILED/).waitFor();
    await banner.getByText(/missing or damaged/).waitFor();
    await browser.screenshot('verification-failed');
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
  });
});
