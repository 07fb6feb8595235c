import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.ts';
import { importFiles } from '../../src/import/import-service.ts';
import { tempInstance } from '../helpers/temp-instance.ts';
import { accessibilityViolations, type Browser, createOwner, launchForTest, requireBrowserPrerequisites, requireRoutes } from './browser.ts';

// The Privacy page in real Chromium: the person's activity (audit trail, verified, filtered), deleting
// one source, then deleting the person with the typed name, the password check and all.
const OWNER = { username: 'owner', password: 'a long kitchen table' };
const PERSON = 'Morgan Privacy';

let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let base: string;
const browsers: Browser[] = [];

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

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });

describe('the Privacy page in Chromium', () => {
  it('shows the activity, deletes a source, then deletes the person', { timeout: 120_000 }, async () => {
    const browser = await launchForTest(base, { artifactDir: 'privacy' }, browsers);
    const { page } = browser;
    await createOwner(page, base, OWNER);
    await requireRoutes(base, [['GET', '/api/people/x/audit'], ['GET', '/api/people/x/sources'], ['DELETE', '/api/people/x']]);
    await page.getByLabel(/^Name/).fill(PERSON);
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByRole('heading', { name: `Records of ${PERSON}` }).waitFor();
    const personId = instance.people.list()[0]!.id;
    const upload = (label: string, records: object[]) =>
      importFiles(instance, { actor: 'cli:test', paths: [{ name: `${label}.ndjson`, bytes: Buffer.from(records.map((r) => JSON.stringify(r)).join('\n')) }], target: { kind: 'person', personId }, sourceLabel: label });
    await upload('old-clinic', [{ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'weight' } }, { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'height' } }]);
    await upload('lab', [{ resourceType: 'Observation', id: 'l1', status: 'final', code: { text: 'ferritin' } }]);

    await nav(page, 'Privacy').click();
    await page.getByRole('heading', { name: `Privacy: ${PERSON}` }).waitFor();
    await page.getByTestId('audit-verification').getByText(/Verified/).waitFor();
    await page.getByRole('table', { name: 'Activity' }).getByRole('cell', { name: 'import' }).first().waitFor();
    await page.getByLabel('Action').selectOption('search');
    await page.getByText('No activity matches.').waitFor();
    await page.getByLabel('Action').selectOption('import');
    // Two imports (a header row and two entries), once the filtered page has loaded.
    await page.getByText('1–2 of 2').waitFor();
    expect(await page.getByRole('table', { name: 'Activity' }).getByRole('row').count()).toBe(3);
    expect(await page.getByRole('link', { name: /Export \(FHIR AuditEvent\)/ }).getAttribute('href')).toBe(`/api/people/${personId}/audit.ndjson`);
    await browser.screenshot('activity');
    expect(await accessibilityViolations(page)).toEqual([]);

    // One source: its two records go, the other stays.
    await page.getByRole('button', { name: 'Delete source old-clinic' }).click();
    await page.getByRole('button', { name: 'Delete 2 records for good' }).click();
    await page.getByRole('table', { name: 'Sources' }).getByRole('cell', { name: 'old-clinic', exact: true }).waitFor({ state: 'detached' });
    await page.getByRole('table', { name: 'Sources' }).getByRole('cell', { name: 'lab', exact: true }).waitFor();

    // The person: the button waits for the exact name; the password is asked again once stale.
    const remove = page.getByRole('button', { name: `Delete ${PERSON} for good` });
    await page.getByLabel(`Type “${PERSON}”`).fill('Morgan');
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel(`Type “${PERSON}”`).fill(PERSON);
    // Make the sign-in stale: the server asks for the password again (401 reauth-required).
    instance.system.prepare('UPDATE sessions SET created_at = created_at - 600000, reauth_at = NULL').run();
    await remove.click();
    await page.getByRole('form', { name: 'Confirm your password' }).getByLabel(/^Password/).fill(OWNER.password);
    await browser.screenshot('reauth');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'People' }).waitFor();
    await page.getByRole('link', { name: PERSON }).waitFor({ state: 'detached' });
    await browser.screenshot('deleted');
    expect(instance.people.list()).toEqual([]);
    expect(browser.cspViolations).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
