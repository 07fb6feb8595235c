import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { accountsOf } from '../../src/accounts/accounts-service.ts';
import { buildServer } from '../../src/http/server.ts';
import { demoPerson } from '../helpers/fhir-server.ts';
import { readZip } from '../helpers/read-zip.ts';
import { tempInstance } from '../helpers/temp-instance.ts';
import { accessibilityViolations, launch, requireBrowserPrerequisites, requireRoutes, signIn, type Browser } from './browser.ts';

// The Export page in real Chromium against a real server: the download button (first with a fresh
// sign-in, then after the sign-in went stale, through the password prompt), and the summary links.
const OWNER = { username: 'owner', password: 'a long kitchen table' };
const MINUTE = 60_000;

let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let base: string;
let personId: string;
let browser: Browser | undefined;
let clock = Date.now();

beforeAll(async () => {
  requireBrowserPrerequisites();
  instance = await tempInstance();
  personId = await demoPerson(instance, 2, 120);
  await accountsOf(instance.system).createOwner(OWNER.username, OWNER.password);
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] }, { auth: { now: () => clock } });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  instance?.dispose();
});

describe('Export page in Chromium', () => {
  it('downloads the export, asks for the password once the sign-in is stale, and links the summaries', { timeout: 120_000 }, async () => {
    browser = await launch(base, { artifactDir: 'export' });
    const current = browser;
    onTestFailed(async () => {
      await current.screenshot('failure').catch(() => undefined);
    });
    const { page } = browser;
    await requireRoutes(base, [['POST', '/api/people/x/export'], ['GET', '/api/people/x/summary.html']]);
    await signIn(page, base, `/people/${personId}/export`, OWNER, 'Export and summaries');
    await browser.screenshot('export-page');
    expect(await accessibilityViolations(page)).toEqual([]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download export' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^hearth-export-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.zip$/);
    const files = await readZip(readFileSync((await download.path())!));
    expect(JSON.parse(files.get('manifest.json')!.toString('utf8')).person.id).toBe(personId);
    await page.getByRole('status').getByText(/^Downloaded hearth-export-/).waitFor();

    // Six minutes on, the server wants the password again before it exports.
    clock += 6 * MINUTE;
    await page.getByRole('button', { name: 'Download export' }).click();
    await page.getByText('Confirm your password to export.').waitFor();
    await browser.screenshot('export-reauth');
    await page.getByLabel(/^Password/).fill(OWNER.password);
    const [again] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Confirm and download' }).click()]);
    expect((await readZip(readFileSync((await again.path())!))).has('bundle.json')).toBe(true);

    for (const [name, path] of [['Printable summary', 'summary.html'], ['Summary as PDF', 'summary.pdf'], ['International Patient Summary (FHIR)', 'ips']] as const) {
      expect(await page.getByRole('link', { name }).getAttribute('href')).toBe(`/api/people/${personId}/${path}`);
    }
    // The print view renders under the CSP with its stylesheet, and runs no script.
    await page.goto(`${base}/api/people/${personId}/summary.html`);
    await page.getByRole('heading', { name: /^Patient summary: / }).waitFor();
    expect(await page.evaluate<string>('getComputedStyle(document.body).maxWidth')).not.toBe('none');
    await browser.screenshot('summary-html');
    expect(browser.cspViolations).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
