import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.ts';
import { SYNTHEA_DIR, tempInstance } from '../helpers/temp-instance.ts';
import { accessibilityViolations, launchForTest, requireBrowserPrerequisites, requireRoutes, type Browser } from './browser.ts';

// The whole web app in real Chromium against a real server (in-process, 127.0.0.1, port 0) over a
// fresh encrypted data directory: setup → sign out → sign in → add a person → upload → browse →
// sign out, with a screenshot per step in test-artifacts/web-app/. Nothing may break the CSP and
// nothing may be fetched from another origin.
const OWNER = { username: 'owner', password: 'a long kitchen table' };
const PERSON = 'Alex Example';
const UPLOAD = join(SYNTHEA_DIR, 'Immunization.000.ndjson');

let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let base: string;
const browsers: Browser[] = [];
let personPath = '';

beforeAll(async () => {
  requireBrowserPrerequisites();
  instance = await tempInstance();
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await app?.close();
  instance?.dispose();
});

async function open(artifactDir: string, viewport?: { width: number; height: number }): Promise<Browser> {
  return launchForTest(base, { artifactDir, ...(viewport ? { viewport } : {}) }, browsers);
}

/** Every page of the scenario is checked with axe-core (WCAG 2.2 A/AA, serious and critical). */
const axeFindings: string[] = [];
async function checkAccessibility(page: Page, step: string) {
  for (const violation of await accessibilityViolations(page)) axeFindings.push(`${step}: ${violation.id} (${violation.help}) at ${violation.targets.join(', ')}`);
}

function expectClean(browser: Browser) {
  expect(browser.cspViolations).toEqual([]);
  expect(browser.foreignRequests).toEqual([]);
  expect(browser.pageErrors).toEqual([]);
}

// Page-side expressions as strings: the root tsconfig has no DOM types.
const SIDEWAYS_OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth';
/** "tag:accessible label or text:autocomplete" of the focused element. */
const DESCRIBE_FOCUS = `(() => {
  const element = document.activeElement;
  if (!element) return '';
  return element.tagName.toLowerCase() + ':' + (element.getAttribute('aria-label') ?? element.textContent?.trim() ?? '') + ':' + (element.autocomplete ?? '');
})()`;

async function signIn(page: Page, landing = 'People') {
  await page.getByLabel('Username').fill(OWNER.username);
  await page.getByLabel(/^Password/).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: landing }).waitFor();
}

describe('web app in Chromium', () => {
  it('sets up, signs in, adds a person, uploads, browses a record and signs out', { timeout: 180_000 }, async () => {
    const browser = await open('web-app');
    const { page } = browser;

    await page.goto(base);
    await page.getByRole('heading', { name: 'Set up Hearth' }).waitFor();
    await browser.screenshot('setup');
    await checkAccessibility(page, 'setup');
    await page.getByLabel('Username').fill(OWNER.username);
    await page.getByLabel(/^Password/).fill(OWNER.password);
    await page.getByLabel('Repeat the password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Create owner account' }).click();
    await page.getByRole('heading', { name: 'People' }).waitFor();
    await browser.screenshot('owner-created');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expect(page.getByText('You are signed out.').isVisible()).resolves.toBe(true);
    await browser.screenshot('signed-out');
    await checkAccessibility(page, 'sign-in');

    // A wrong password is refused with the server's message, then the right one works.
    await page.getByLabel('Username').fill(OWNER.username);
    await page.getByLabel(/^Password/).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await signIn(page);
    await browser.screenshot('signed-in');
    await checkAccessibility(page, 'people');
    await requireRoutes(base, [['POST', '/api/people'], ['GET', '/api/people/x/summary'], ['POST', '/api/people/x/imports'], ['GET', '/api/people/x/provenance/Immunization/y']]);

    await page.getByLabel(/^Name/).fill(PERSON);
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByRole('heading', { name: `Records of ${PERSON}` }).waitFor();
    await page.getByText('No records yet').waitFor();
    personPath = new URL(page.url()).pathname.replace(/\/records$/, '');
    expect(personPath).toMatch(/^\/people\/[^/]+$/);
    await browser.screenshot('person-added');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload' }).click();
    await page.getByRole('heading', { name: `Upload records for ${PERSON}` }).waitFor();
    // A broken file first: nothing is imported and the page says why.
    await page.locator('input[type=file]').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"resourceType": "Observation", ') });
    await page.locator('[data-import-state=failed]').waitFor();
    await page.getByRole('alert').getByText('not valid JSON').first().waitFor();
    await browser.screenshot('import-broken-file');
    await page.locator('input[type=file]').setInputFiles(UPLOAD);
    await page.locator('[data-import-state=done]').waitFor({ timeout: 60_000 });
    const created = Number(await page.locator('[data-count=created]').textContent());
    expect(created).toBeGreaterThan(0);
    await page.getByRole('table', { name: 'Earlier uploads' }).getByText('Immunization.000.ndjson').waitFor();
    await browser.screenshot('import-done');
    await checkAccessibility(page, 'upload');

    await page.getByRole('link', { name: 'Browse the records' }).click();
    await page.getByRole('heading', { name: `Records of ${PERSON}` }).waitFor();
    await browser.screenshot('record-types');
    await checkAccessibility(page, 'record-types');
    await page.locator('a[data-type=Immunization]').click();
    await page.getByRole('heading', { name: 'Immunization' }).waitFor();
    const first = page.locator('a[data-record]').first();
    await first.waitFor();
    await browser.screenshot('immunization-list');
    await checkAccessibility(page, 'record-list');
    // 161 immunizations, 20 a page: the searchset's next link leads on, previous back.
    await page.getByText(`${created} records · page 1 of ${Math.ceil(created / 20)}`).waitFor();
    const firstId = await first.getAttribute('data-record');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText(/· page 2 of/).waitFor();
    expect(await page.locator('a[data-record]').first().getAttribute('data-record')).not.toBe(firstId);
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByText(/· page 1 of/).waitFor();
    await first.click();
    await page.getByRole('tab', { name: 'Raw JSON' }).waitFor();
    await page.getByText('Vaccine code', { exact: true }).waitFor();
    await browser.screenshot('record-detail');
    await checkAccessibility(page, 'record-detail');
    await page.getByRole('tab', { name: 'Source and versions' }).click();
    await page.getByRole('table', { name: 'Versions' }).waitFor();
    await browser.screenshot('record-provenance');
    await page.getByRole('tab', { name: 'Raw JSON' }).click();
    const raw = JSON.parse((await page.getByTestId('raw-json').textContent()) ?? '{}');
    expect(raw.resourceType).toBe('Immunization');
    await browser.screenshot('record-raw-json');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // Signed out for real: the server no longer knows this browser.
    const session = await page.evaluate(async () => (await fetch('/api/session')).status);
    expect(session).toBe(401);
    expectClean(browser);
    expect(axeFindings).toEqual([]);
  });

  it('shows the records browser on a 375 px phone without sideways scrolling', async () => {
    expect(personPath).not.toBe('');
    const browser = await open('phone', { width: 375, height: 667 });
    const { page } = browser;
    await page.goto(`${base}${personPath}/records`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // Signing in keeps the address asked for.
    await signIn(page, `Records of ${PERSON}`);
    await page.locator('a[data-type=Immunization]').waitFor();
    const overflow = await page.evaluate<number>(SIDEWAYS_OVERFLOW);
    expect(overflow).toBeLessThanOrEqual(0);
    await browser.screenshot('phone-record-types');
    await page.getByRole('button', { name: 'Open the menu' }).click();
    // A trial click waits until the sliding menu has stopped moving.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload' }).click({ trial: true });
    await browser.screenshot('phone-menu');
    await page.goto(`${base}${personPath}/records/Immunization`);
    await page.locator('a[data-record]').first().click();
    await page.getByRole('tab', { name: 'Raw JSON' }).waitFor();
    expect(await page.evaluate<number>(SIDEWAYS_OVERFLOW)).toBeLessThanOrEqual(0);
    await browser.screenshot('phone-record-detail');
    expectClean(browser);
  });

  it('reaches the sign-in form and the main navigation with the keyboard alone', async () => {
    const browser = await open('keyboard');
    const { page } = browser;
    await page.goto(base);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const focused = () => page.evaluate<string>(DESCRIBE_FOCUS);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
      if (seen.at(-1)!.startsWith('button:Sign in')) break;
    }
    expect(seen.some((entry) => entry.endsWith(':username'))).toBe(true);
    expect(seen.some((entry) => entry.endsWith(':current-password'))).toBe(true);
    expect(seen.at(-1)).toMatch(/^button:Sign in/);
    // Type and submit without the mouse.
    await page.getByLabel('Username').focus();
    await page.keyboard.type(OWNER.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(OWNER.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'People' }).waitFor();

    const links: string[] = [];
    for (let i = 0; i < 20 && !links.includes('a:Settings'); i++) {
      await page.keyboard.press('Tab');
      const entry = await focused();
      links.push(entry.split(':').slice(0, 2).join(':'));
    }
    expect(links[0]).toBe('a:Skip to content');
    expect(links).toContain('select:Person');
    expect(links).toContain('a:People');
    expect(links).toContain('a:Settings');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await browser.screenshot('keyboard-settings');
    expectClean(browser);
  });

  it('notices a CSP violation (the recorder the other tests rely on works)', async () => {
    const browser = await open('csp-check');
    await browser.page.goto(base);
    await browser.page.getByRole('heading', { level: 1 }).waitFor();
    // An inline script, as an XSS would add: the CSP blocks it and the recorder must say so.
    await browser.page.evaluate(`(() => { const s = document.createElement('script'); s.textContent = 'window.ran = true'; document.body.append(s); })()`);
    await expect.poll(() => browser.cspViolations.length).toBeGreaterThan(0);
    expect(await browser.page.evaluate(`window.ran === true`)).toBe(false);
  });

  it('sends a browser whose session ended back to sign-in, saying so', async () => {
    const browser = await open('session-ended');
    const { page } = browser;
    await page.goto(base);
    await signIn(page);
    await browser.context.clearCookies();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByText('Your session ended. Please sign in again.').waitFor();
    await browser.screenshot('session-ended');
    expectClean(browser);
  });
});
