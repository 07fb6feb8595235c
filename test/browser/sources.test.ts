import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.ts';
import { sourcesRepository } from '../../src/sources/sources-repository.ts';
import { fixedSession, startMiniFhir, type MiniFhir } from '../helpers/mini-fhir.ts';
import { tempInstance } from '../helpers/temp-instance.ts';
import { accessibilityViolations, type Browser, createOwner, launchForTest, requireBrowserPrerequisites, requireRoutes } from './browser.ts';

// The Sources page in real Chromium: a provider source synced with "Sync now", live progress over
// server-sent events, the result and history; no CSP violation, no request to any other origin
// (the server fetches from the provider, never the browser).
const OWNER = { username: 'owner', password: 'a long kitchen table' };
const PERSON = 'Sam Sources';

let instance: Awaited<ReturnType<typeof tempInstance>>;
let provider: MiniFhir;
let app: FastifyInstance;
let base: string;
const browsers: Browser[] = [];

beforeAll(async () => {
  requireBrowserPrerequisites();
  instance = await tempInstance();
  provider = await startMiniFhir({
    resources: [
      { resourceType: 'Patient', id: 'p1', name: [{ family: 'Sources' }] },
      ...Array.from({ length: 250 }, (_, i) => ({ resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: 'weight' }, subject: { reference: 'Patient/p1' } })),
    ],
  });
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] }, { sync: { openSession: () => fixedSession(provider.base, 'p1'), fetch: globalThis.fetch } });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await app?.close();
  await provider?.close();
  instance?.dispose();
});

describe('the Sources page in Chromium', () => {
  it('syncs a provider source with live progress and shows its history', { timeout: 120_000 }, async () => {
    const browser = await launchForTest(base, { artifactDir: 'sources' }, browsers);
    const { page } = browser;
    await createOwner(page, base, OWNER);
    await requireRoutes(base, [['GET', '/api/people/x/sources'], ['POST', '/api/people/x/sources/y/sync']]);
    await page.getByLabel(/^Name/).fill(PERSON);
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByRole('heading', { name: `Records of ${PERSON}` }).waitFor();
    const personId = instance.people.list()[0]!.id;
    sourcesRepository(instance.system).findOrCreate(personId, 'provider', 'Riverside Clinic', provider.base);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' }).click();
    await page.getByRole('heading', { name: 'Sources' }).waitFor();
    const card = page.getByRole('region', { name: 'Riverside Clinic' });
    await card.getByText('0 records').waitFor();
    expect(await page.getByRole('main').getByRole('link', { name: 'Connect a provider' }).getAttribute('href')).toBe(`/people/${personId}/connect`);
    await card.getByRole('button', { name: 'Sync now' }).click();
    // The finished event reloads the list: the badge and the counts of the sync.
    await card.getByText('succeeded').waitFor();
    await card.getByText(/251 new/).waitFor();
    await card.getByText('251 records').waitFor();
    await browser.screenshot('synced');
    await card.getByRole('button', { name: 'History' }).click();
    await card.getByText(/251 new/).nth(1).waitFor();
    // The schedule per source: daily unless changed; choosing weekly is saved on the server.
    const every = card.getByLabel('Sync Riverside Clinic automatically');
    expect(await every.inputValue()).toBe('24');
    await every.selectOption({ label: 'Sync weekly' });
    await expect.poll(() => instance.system.prepare('SELECT interval_hours FROM sync_schedules').pluck().get()).toBe(168);
    await expect.poll(() => every.inputValue()).toBe('168');
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(browser.cspViolations).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
