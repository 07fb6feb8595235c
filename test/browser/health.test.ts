import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { buildServer } from '../../src/http/server.ts';
import { sourcesRepository } from '../../src/sources/sources-repository.ts';
import { accountsFor, demoPerson } from '../helpers/fhir-server.ts';
import { tempInstance } from '../helpers/temp-instance.ts';
import { accessibilityViolations, launch, requireBrowserPrerequisites, requireRoutes, signIn, type Browser } from './browser.ts';

// The dashboard, timeline and lab results pages in real Chromium against a real server over a demo
// family member, with one more source whose last import failed (the dashboard must warn). One
// server and one browser for the file; screenshots in test-artifacts/health/.
const OWNER = { username: 'owner', password: 'a long kitchen table' };

let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let personId: string;

beforeAll(async () => {
  requireBrowserPrerequisites();
  instance = await tempInstance();
  personId = await demoPerson(instance, 0, 1500);
  // A second source whose last import failed: what a broken upload leaves in the vault.
  const failing = sourcesRepository(instance.system).findOrCreate(personId, 'file', 'old clinic export');
  const vault = instance.people.openVault(personId);
  vault.db.prepare("INSERT INTO imports (id, source_id, started_at, finished_at, status) VALUES ('failed-1', ?, '2026-11-01T10:00:00Z', '2026-11-01T10:01:00Z', 'failed')").run(failing.id);
  vault.close();
  await accountsFor(instance).createOwner(OWNER.username, OWNER.password);
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  await requireRoutes(base, [['GET', `/api/people/${personId}/dashboard`]]);
  browser = await launch(base, { artifactDir: 'health' });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  instance?.dispose();
});

async function expectAccessible(step: string) {
  const violations = await accessibilityViolations(browser.page);
  expect(violations.map((v) => `${step}: ${v.id} at ${v.targets.join(', ')}`)).toEqual([]);
}

describe('health pages in Chromium', () => {
  it('signs in and shows the dashboard: allergies first, problems, labs with flags, trends, immunisations, the failed source', { timeout: 120_000 }, async () => {
    onTestFailed(async () => void (await browser.screenshot('failure').catch(() => undefined)));
    const { page } = browser;
    await signIn(page, base, `/people/${personId}/dashboard`, OWNER, '[data-page="dashboard"][data-ready="true"]');
    await expect(page.getByRole('heading', { name: 'Active problems' }).isVisible()).resolves.toBe(true);
    // Allergies come before everything else on the page.
    const order = await page.evaluate(`[...document.querySelectorAll('[data-page="dashboard"] h2, [data-page="dashboard"] .mantine-Alert-title')].map((e) => e.textContent)`);
    expect((order as string[]).findIndex((text) => text === 'Allergies')).toBeLessThan((order as string[]).indexOf('Active problems'));
    await page.getByRole('alert').filter({ hasText: 'old clinic export' }).waitFor();
    await expect(page.getByRole('region', { name: 'Recent lab results' }).getByRole('link').count()).resolves.toBeGreaterThan(3);
    await page.locator('[data-chart="bp"] svg').waitFor();
    await page.getByText('Typically due by a common schedule').waitFor();
    await browser.screenshot('dashboard');
    await expectAccessible('dashboard');
  });

  it('shows the timeline newest first, loads more on scrolling, filters by record type and jumps to a year', { timeout: 120_000 }, async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Timeline', exact: true }).click();
    await page.locator('[data-page="timeline"][data-ready="true"]').waitFor();
    const firstVisit = page.getByRole('feed', { name: 'Visits' }).getByRole('article').first();
    await firstVisit.waitFor();
    await browser.screenshot('timeline');
    await expectAccessible('timeline');
    const years = await page.getByLabel('Jump to a year').locator('option').allTextContents();
    expect(years.length).toBeGreaterThan(3);
    // Scrolling to the bottom fetches the next page (cursor) and mounts later visits only.
    const requests: string[] = [];
    page.on('request', (request) => void (request.url().includes('/timeline?') && requests.push(request.url())));
    for (let i = 0; i < 6; i++) {
      await page.mouse.wheel(0, 6000);
      await page.waitForTimeout(150);
    }
    await expect.poll(() => requests.some((url) => url.includes('cursor='))).toBe(true);
    // Only ticked record types are listed under each visit.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.getByRole('checkbox', { name: /Immunization/ }).check();
    await page.locator('[data-page="timeline"][data-ready="true"]').waitFor();
    const sections = await page.locator('article p[class*="Text"][data-tt], article .mantine-Text-root').allTextContents();
    expect(sections.filter((text) => /^(Observation|Procedure|Condition)s? \(/i.test(text))).toEqual([]);
    await page.getByRole('button', { name: 'Clear' }).click();
    const target = years[2]!.slice(0, 4);
    await page.getByLabel('Jump to a year').selectOption(target);
    await page.locator('[data-page="timeline"][data-ready="true"]').waitFor();
    await expect.poll(async () => (await firstVisit.getAttribute('aria-label')) ?? '').toMatch(new RegExp(`${target}|\\d{1,2}/\\d{1,2}/${target}`));
    await browser.screenshot('timeline-year');
  });

  it('shows lab results by panel, a test with its trend and table, and the flags', { timeout: 120_000 }, async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Lab results', exact: true }).click();
    await page.locator('[data-page="labs"][data-ready="true"]').waitFor();
    await page.locator('[data-panel="cbc"]').waitFor();
    await page.locator('[data-panel="lipids"]').waitFor();
    await page.locator('[data-loinc="2345-7"]').click();
    await page.locator('[data-lab-detail="2345-7"]').waitFor();
    await page.locator('[data-chart="lab"] svg').waitFor();
    expect(page.url()).toContain('/labs/2345-7');
    const rows = page.locator('[data-lab-detail="2345-7"] tbody tr');
    await expect(rows.count()).resolves.toBeGreaterThan(2);
    await expect(page.getByRole('columnheader', { name: 'Source' }).isVisible()).resolves.toBe(true);
    await browser.screenshot('labs');
    await expectAccessible('labs');
    expect(browser.cspViolations).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });

  it('opened directly, asks for a page\'s data once, alongside the session check, and a lab test\'s newest results first', { timeout: 120_000 }, async () => {
    const { page } = browser;
    const requests: string[] = [];
    const record = (request: { url(): string }) => void (request.url().includes('/api/') && requests.push(new URL(request.url()).pathname + new URL(request.url()).search));
    page.on('request', record);
    try {
      await page.goto(`${base}/people/${personId}/labs/2345-7`);
      await page.locator('[data-lab-detail="2345-7"]').waitFor();
      const labs = `/api/people/${personId}/labs`;
      expect(requests.filter((url) => url === labs)).toHaveLength(1);
      expect(requests.filter((url) => url.startsWith(`${labs}/2345-7`))).toEqual([`${labs}/2345-7?limit=200`]);
      // Asked before the session's answer came back (not after it, as a mounted page would).
      expect(requests.indexOf(labs)).toBeLessThan(requests.indexOf('/api/session') + 1);
      requests.length = 0;
      await page.goto(`${base}/people/${personId}/dashboard`);
      await page.locator('[data-page="dashboard"][data-ready="true"]').waitFor();
      expect(requests.filter((url) => url.endsWith('/dashboard'))).toHaveLength(1);
    } finally {
      page.off('request', record);
    }
    expect(browser.pageErrors).toEqual([]);
  });
});
