import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.ts';
import { hospitalRecords, importRecords, portalRecords } from '../helpers/browse-fixtures.ts';
import { accountsFor } from '../helpers/fhir-server.ts';
import { tempInstance } from '../helpers/temp-instance.ts';
import { accessibilityViolations, launch, requireBrowserPrerequisites, signIn, type Browser } from './browser.ts';

// The records browser in real Chromium against a real server on 127.0.0.1: lists with the same fact
// from two sources, filters, documents (hostile HTML, PDF, image, plain text, C-CDA) and the one
// search box. One browser for the file; screenshots in test-artifacts/browse/. No CSP violation and
// no request to any other origin, even while the hostile HTML attachment is on screen.
const OWNER = { username: 'owner', password: 'a long kitchen table' };

let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let people: string;

beforeAll(async () => {
  requireBrowserPrerequisites();
  instance = await tempInstance();
  const person = instance.people.add('Ada Example');
  people = `/people/${person.id}`;
  await importRecords(instance, person.id, 'Clinic portal', await portalRecords());
  await importRecords(instance, person.id, 'Hospital export', hospitalRecords());
  await accountsFor(instance).createOwner(OWNER.username, OWNER.password);
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launch(base, { artifactDir: 'browse' });
  await signIn(browser.page, base, '/', OWNER, 'People');
}, 120_000);
afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await browser.screenshot('failure').catch(() => undefined);
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  instance?.dispose();
});

/** Chromium's built-in PDF viewer: a component extension and chrome:// resources inside the browser, no network. */
const PDF_VIEWER = 'chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/';
const network = (url: string) => /^(https?|wss?|ftp):/i.test(url);

function expectClean() {
  expect(browser.cspViolations).toEqual([]);
  expect(browser.foreignRequests.filter(network)).toEqual([]);
  expect(browser.pageErrors).toEqual([]);
}

/** axe-core (WCAG 2.2 A/AA, serious and critical) on the page as it is now. */
async function checkAccessibility(step: string) {
  const found = await accessibilityViolations(browser.page);
  expect(found.map((v) => `${step}: ${v.id} at ${v.targets.join(', ')}`)).toEqual([]);
}

const openDocument = async (type: string, id: string) => {
  await browser.page.goto(`${base}${people}/records/${type}/${id}`);
  await browser.page.getByRole('tab', { name: 'Document' }).waitFor();
};

describe('records browser in Chromium', () => {
  it('lists a lab result from two sources once, shows both, and filters', { timeout: 60_000 }, async () => {
    const { page } = browser;
    await page.goto(`${base}${people}/records/Observation`);
    await page.getByTestId('list-total').getByText('3 records').waitFor();
    const rows = page.getByRole('list', { name: 'Observation records' }).locator(':scope > li');
    await expect(rows.count()).resolves.toBe(2);
    await page.getByTestId('sources-badge').getByText('2 sources').click();
    const both = page.getByRole('list', { name: 'The same record from each source' });
    await both.getByText('Clinic portal:').waitFor();
    await both.getByText('Hospital export:').waitFor();
    await browser.screenshot('two-sources');
    await checkAccessibility('list');
    await both.getByRole('link').first().click();
    await page.getByTestId('other-sources').getByText('2 sources hold this record').waitFor();

    await page.goto(`${base}${people}/records/DocumentReference`);
    await page.getByTestId('list-total').getByText('5 records').waitFor();
    await page.getByLabel('Text').fill('lab report');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('list-total').getByText('1 record', { exact: true }).waitFor();
    await page.locator('a[data-record=doc-pdf]').waitFor();
    expectClean();
  });

  it('shows a hostile HTML attachment sanitised: no script, handler, remote load, frame, form or javascript: link', { timeout: 60_000 }, async () => {
    const { page } = browser;
    await openDocument('DocumentReference', 'doc-html');
    const shown = page.getByTestId('document-html');
    await shown.getByText('Discharge letter').waitFor();
    await shown.getByText('a remote link').waitFor();
    const html = await shown.innerHTML();
    for (const banned of ['<script', 'onerror', 'evil.example', 'javascript:', '<iframe', '<img', '<form', '<object', '<style', 'style=', '<svg', '<video', '<base', '<link']) {
      expect(html, banned).not.toContain(banned);
    }
    await browser.screenshot('hostile-html');
    await checkAccessibility('document');
    expectClean();
    // The original, opened directly, runs in a CSP sandbox: every remote load is refused by the
    // browser before any connection (Playwright still reports the attempt, then its failure).
    const failed: string[] = [];
    const reasons = new Set<string>();
    page.on('requestfailed', (request) => {
      failed.push(request.url());
      reasons.add(request.failure()?.errorText ?? 'unknown');
    });
    await page.goto(`${base}/api${people}/attachments/DocumentReference/doc-html/0`);
    await page.getByText('Discharge letter').waitFor();
    await expect.poll(() => failed.length).toBe(browser.foreignRequests.length);
    expect([...failed].sort()).toEqual([...browser.foreignRequests].sort());
    // Refused by the CSP inside the browser: no DNS lookup, no connection (SECURITY.md: loopback only).
    expect([...reasons]).toEqual(['csp']);
    // The <meta http-equiv=refresh> does not navigate a sandboxed document away.
    await page.waitForTimeout(500);
    expect(page.url()).toBe(`${base}/api${people}/attachments/DocumentReference/doc-html/0`);
    expect(browser.pageErrors).toEqual([]);
    expect(browser.cspViolations.some((text) => text.includes('evil.example'))).toBe(true);
    // Those refusals belong to the sandboxed original; the app itself is checked clean elsewhere.
    browser.cspViolations.length = 0;
    browser.foreignRequests.length = 0;
  });

  it('shows a PDF in a same-origin frame, an image, plain text from a Binary and a C-CDA document', { timeout: 60_000 }, async () => {
    const { page } = browser;
    await openDocument('DocumentReference', 'doc-pdf');
    const frame = page.getByTestId('document-pdf');
    await frame.waitFor();
    const pdfUrl = `${base}/api${people}/attachments/DocumentReference/doc-pdf/0`;
    await expect.poll(() => page.frames().some((f) => f.url() === pdfUrl)).toBe(true);
    await page.getByRole('link', { name: 'Download the original' }).waitFor();
    // The app CSP (frame-src → default-src 'self') and the attachment's (frame-ancestors 'self', no
    // sandbox for PDFs) let Chromium's own PDF viewer open it: its extension page loads in the frame.
    await expect.poll(() => browser.foreignRequests.some((url) => url.startsWith(PDF_VIEWER))).toBe(true);
    await browser.screenshot('pdf');

    await openDocument('Media', 'media-png');
    const image = page.getByTestId('document-image');
    await image.waitFor();
    await expect.poll(async () => page.evaluate("document.querySelector('[data-testid=document-image]').naturalWidth")).toBe(1);

    await openDocument('DocumentReference', 'doc-text');
    await page.getByTestId('document-text').getByText('Plain text note: rest and fluids.').waitFor();

    await openDocument('DocumentReference', 'doc-ccda');
    const ccda = page.getByTestId('document-ccda');
    await ccda.getByRole('heading', { name: 'Continuity of Care Document' }).waitFor();
    await ccda.getByRole('heading', { name: 'Allergies' }).waitFor();
    await ccda.getByRole('cell', { name: 'Penicillin' }).waitFor();
    await ccda.getByText('Type 2 diabetes mellitus').waitFor();
    expect(await ccda.innerHTML()).not.toContain('evil.example');
    await browser.screenshot('ccda');

    await openDocument('DocumentReference', 'doc-remote');
    await page.getByText('Hearth does not fetch it').waitFor();
    expectClean();
  });

  it('searches across types with one box, grouped by type', { timeout: 60_000 }, async () => {
    const { page } = browser;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search' }).click();
    await page.getByRole('heading', { name: 'Search the records of Ada Example' }).waitFor();
    await page.getByLabel('Words').fill('gluc');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByTestId('search-results');
    await results.getByRole('heading', { name: 'Observation' }).waitFor();
    await expect(results.locator('a[data-record]').count()).resolves.toBe(3);
    await browser.screenshot('search');
    await checkAccessibility('search');
    await page.getByLabel('Words').fill('');
    await page.getByLabel('Type').selectOption('DocumentReference');
    await page.getByRole('button', { name: 'Search' }).click();
    await results.getByRole('heading', { name: 'Document reference' }).waitFor();
    expect(new URL(page.url()).search).toBe('?type=DocumentReference');
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('Words').fill('glucose');
    await page.getByLabel('Source').selectOption({ label: 'Hospital export' });
    await page.getByRole('button', { name: 'Search' }).click();
    await results.locator('a[data-record=glu-hospital]').waitFor();
    await expect(results.locator('a[data-record]').count()).resolves.toBe(2);
    expectClean();
  });
});
