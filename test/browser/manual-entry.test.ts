import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsFor, demoPerson } from '../helpers/fhir-server.ts';
import { buildServer } from '../../src/http/server.ts';
import { tempInstance } from '../helpers/temp-instance.ts';
import { accessibilityViolations, launchForTest, requireBrowserPrerequisites, requireRoutes, signIn, type Browser } from './browser.ts';

// Manual entry in real Chromium (a condition and a lab result entered, edited, deleted; an imported
// record shown read-only), and the quality bar across the app: every page usable at 375 px (no
// sideways scrolling) and free of serious axe violations in dark mode, the choice surviving a reload.
const OWNER = { username: 'owner', password: 'a long kitchen table' };

let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let base: string;
let pid: string;
const browsers: Browser[] = [];

beforeAll(async () => {
  requireBrowserPrerequisites();
  instance = await tempInstance();
  pid = await demoPerson(instance, 1, 60);
  await accountsFor(instance).createOwner(OWNER.username, OWNER.password);
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await app?.close();
  instance?.dispose();
});

async function signedIn(artifactDir: string, viewport?: { width: number; height: number }): Promise<Browser> {
  const browser = await launchForTest(base, { artifactDir, ...(viewport ? { viewport } : {}) }, browsers);
  await signIn(browser.page, base, '/', OWNER, 'People');
  return browser;
}

function expectClean(browser: Browser) {
  expect(browser.cspViolations).toEqual([]);
  expect(browser.foreignRequests).toEqual([]);
  expect(browser.pageErrors).toEqual([]);
}

/** Types into the code picker and chooses the suggestion `option`. */
async function pickCode(page: Page, label: string, typed: string, option: string) {
  await page.getByRole('combobox', { name: label }).fill(typed);
  await page.getByRole('option', { name: option }).click();
  await page.getByTestId('picked-code').waitFor();
}

describe('manual entry in Chromium', () => {
  it('enters a condition and a lab result on a visit, edits and deletes them; imported records are read-only', { timeout: 120_000 }, async () => {
    const browser = await signedIn('manual-entry');
    const { page } = browser;
    await requireRoutes(base, [['GET', '/api/codes/loinc']]);
    await page.goto(`${base}/people/${pid}/add`);
    await page.getByRole('heading', { name: /^Add a record for/ }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    // A condition, picked from the SNOMED CT subset, on a new visit.
    await pickCode(page, 'Condition', 'asth', 'Asthma (195967001)');
    await page.getByLabel('Since').fill('2023-04-02');
    await page.getByLabel('Visit', { exact: true }).selectOption('new');
    await page.getByLabel('Visit date').fill('2024-05-06');
    await page.getByLabel('Reason or place').fill('Asthma review');
    await browser.screenshot('condition-form');
    await page.getByRole('button', { name: 'Save record' }).click();
    await page.getByRole('heading', { name: /Asthma/ }).waitFor();
    await page.getByText('entered by owner').waitFor();
    await browser.screenshot('condition-saved');
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit a record you entered' }).waitFor();
    await page.getByLabel('Status').selectOption('resolved');
    await page.getByLabel('Ended').fill('2024-09-01');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: /Asthma/ }).waitFor();
    await page.getByRole('tab', { name: 'Raw JSON' }).click();
    await expect.poll(async () => JSON.parse((await page.getByTestId('raw-json').textContent()) ?? '{}').abatementDateTime).toBe('2024-09-01');
    const conditionUrl = page.url();

    // A lab result with its LOINC code and suggested unit, on the same (now existing) visit.
    await page.goto(`${base}/people/${pid}/add`);
    await page.getByLabel('What kind of record').selectOption('lab');
    await pickCode(page, 'Test', 'a1c', 'Hemoglobin A1c/Hemoglobin.total in Blood (4548-4)');
    expect(await page.getByLabel('Unit').inputValue()).toBe('%');
    await page.getByLabel('Value').fill('6.1');
    await page.getByLabel('Taken on').fill('2024-05-06');
    const visit = page.getByLabel('Visit', { exact: true });
    await visit.selectOption({ label: '2024-05-06 · Asthma review' });
    await page.getByRole('button', { name: 'Save record' }).click();
    await page.getByRole('heading', { name: /Hemoglobin A1c/ }).waitFor();
    await page.getByRole('tab', { name: 'Raw JSON' }).click();
    const lab = JSON.parse((await page.getByTestId('raw-json').textContent()) ?? '{}');
    expect(lab).toMatchObject({ resourceType: 'Observation', valueQuantity: { value: 6.1, unit: '%', system: 'http://unitsofmeasure.org', code: '%' }, code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] } });
    expect(lab.encounter.reference).toMatch(/^Encounter\//);

    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete it' }).click();
    await page.waitForURL(`${base}/people/${pid}/records/Observation`);
    await page.goto(conditionUrl);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete it' }).click();
    await page.waitForURL(`${base}/people/${pid}/records/Condition`);
    await page.goto(conditionUrl);
    await page.getByRole('alert').filter({ hasText: /deleted/ }).waitFor();

    // An imported record: no Edit, no Delete, and the reason said.
    // What is left is imported: both records entered here were deleted.
    const imported = await page.evaluate<string>(`fetch('/fhir/${pid}/Observation?_count=1').then((r) => r.json()).then((b) => 'Observation/' + b.entry[0].resource.id)`);
    await page.goto(`${base}/people/${pid}/records/${imported}`);
    await page.getByTestId('read-only-note').waitFor();
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    await browser.screenshot('imported-read-only');
    expectClean(browser);
  });
});

describe('quality bar', () => {
  const pages = (observation: string) => [
    ['people', '/', 'People'],
    ['records', `/people/${pid}/records`, /^Records of/],
    ['add', `/people/${pid}/add`, /^Add a record/],
    ['list', `/people/${pid}/records/Observation`, /Observation/],
    ['detail', `/people/${pid}/records/${observation}`, /./],
    ['upload', `/people/${pid}/upload`, /Upload/],
    ['sharing', `/people/${pid}/sharing`, /Who may see/],
    ['settings', '/settings', 'Settings'],
  ] as const;

  it('every page fits 375 px without sideways scrolling, in dark mode too, with no serious axe violations', { timeout: 120_000 }, async () => {
    const browser = await signedIn('phone-dark', { width: 375, height: 740 });
    const { page } = browser;
    await page.getByRole('button', { name: 'Open the menu' }).click();
    await page.getByRole('button', { name: 'Dark mode' }).click();
    await page.reload();
    await page.getByRole('heading', { name: 'People' }).waitFor();
    expect(await page.evaluate('document.documentElement.dataset.mantineColorScheme')).toBe('dark');
    expect(await page.getByRole('button', { name: 'Dark mode' }).getAttribute('aria-pressed')).toBe('true');
    const observation = await page.evaluate<string>(`fetch('/fhir/${pid}/Observation?_count=1').then((r) => r.json()).then((b) => 'Observation/' + b.entry[0].resource.id)`);
    for (const [name, path, heading] of pages(observation)) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { name: heading }).first().waitFor();
      await browser.screenshot(`${name}-375-dark`);
      expect(await page.evaluate('document.documentElement.scrollWidth'), `${name} at 375 px`).toBeLessThanOrEqual(375);
      expect(await accessibilityViolations(page), `${name} in dark mode`).toEqual([]);
    }
    // The sign-in page, signed out, still dark (the choice is the browser's, not the account's).
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    expect(await accessibilityViolations(page)).toEqual([]);
    await browser.screenshot('login-375-dark');
    expectClean(browser);
  });
});
