import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { buildServer } from '../../src/http/server.ts';
import { startTestProvider, type TestProvider } from '../../test-provider/index.ts';
import { tempInstance } from '../helpers/temp-instance.ts';
import { accessibilityViolations, type Browser, createOwner, launch, requireBrowserPrerequisites } from './browser.ts';

// Issue 4 §7 end to end in real Chromium: the owner registers a provider app, connects a person to
// the test provider by URL (SMART standalone launch: the browser goes to the provider's authorize
// endpoint, which approves on its own, and comes back to /callback/<sourceId>), the first sync brings
// the records into the records browser, "Sync now" picks up a change and a new record, and a revoked
// grant leads to "Reconnect needed" → "Reconnect" → connected again. The server is the real one with
// the SSRF-guarded outbound client (the provider's loopback origins allowlisted, as an owner would).
//
// "Connect by URL", not the directory search: the directory lists real vendors' endpoints, and
// putting the test provider into it would test nothing the directory tests do not already.
const OWNER = { username: 'owner', password: 'a long kitchen table' };
const PERSON = 'Pat Provider';
const CLIENT_ID = 'hearth-e2e-public';
const SOURCE = 'Test Clinic';

let instance: Awaited<ReturnType<typeof tempInstance>>;
let provider: TestProvider;
let app: FastifyInstance;
let base: string;
let browser: Browser | undefined;

/** A free loopback port: the server's publicUrl (the redirect URI's origin) must be known before it starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** How many records of each type the provider holds for the patient: its `$everything`, asked by the test with a token of its own. */
async function providerCounts(): Promise<Map<string, number>> {
  const token = await provider.mintAccessToken(provider.patients[0]!.id);
  let url: string | undefined = `${provider.fhirBaseUrl}/Patient/${provider.patients[0]!.id}/$everything?_count=100`;
  const counts = new Map<string, number>();
  while (url) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
    expect(response.status).toBe(200);
    const bundle = (await response.json()) as { entry?: { resource: Resource }[]; link?: { relation: string; url: string }[] };
    for (const { resource } of bundle.entry ?? []) counts.set(resource.resourceType, (counts.get(resource.resourceType) ?? 0) + 1);
    url = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  return counts;
}

/** One of the patient's records at the provider, read with a token of the test's own. */
async function providerRead<T extends Resource>(type: string, id: string): Promise<T> {
  const token = await provider.mintAccessToken(provider.patients[0]!.id);
  const response = await fetch(`${provider.fhirBaseUrl}/${type}/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

beforeAll(async () => {
  requireBrowserPrerequisites();
  provider = await startTestProvider({ patients: 1, resourcesPerPatient: 80, seed: 7 });
  instance = await tempInstance();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [], publicUrl: base, outboundAllowlist: provider.origins });
  await app.listen({ host: '127.0.0.1', port });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await provider?.close();
  instance?.dispose();
});

describe('connecting a provider in Chromium', () => {
  it('registers an app, connects by URL, syncs, picks up changes, and reconnects after a revoked grant', { timeout: 240_000 }, async () => {
    const providerOrigin = new URL(provider.issuer).origin;
    browser = await launch(base, { artifactDir: 'provider-connect', allowNavigation: { origin: providerOrigin, path: '/oauth/auth' } });
    const current = browser;
    onTestFailed(async () => {
      await current.screenshot('failure').catch(() => undefined);
    });
    const { page } = browser;
    const checkPage = async (step: string) => {
      const found = await accessibilityViolations(page);
      expect(found.map((v) => `${step}: ${v.id} at ${v.targets.join(', ')}`)).toEqual([]);
      expect(browser!.cspViolations).toEqual([]);
      expect(browser!.foreignRequests).toEqual([]);
      expect(browser!.pageErrors).toEqual([]);
      await browser!.screenshot(step);
    };
    // oidc-provider wants exact redirect URIs, and the source id in Hearth's only exists once the
    // person connects: as README "Connecting to providers" tells owners of such vendors, the exact
    // URI is registered before approving, here the moment the browser reaches the authorize endpoint.
    const redirectUris: string[] = [];
    await page.route(`${providerOrigin}/oauth/auth?**`, async (route) => {
      const redirectUri = new URL(route.request().url()).searchParams.get('redirect_uri')!;
      redirectUris.push(redirectUri);
      await provider.registerClient({ client_id: CLIENT_ID, redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' });
      await route.continue();
    });

    // 1. The owner and a person.
    await createOwner(page, base, OWNER);
    await page.getByLabel(/^Name/).fill(PERSON);
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByRole('heading', { name: `Records of ${PERSON}` }).waitFor();
    const personId = instance.people.list()[0]!.id;
    const nav = page.getByRole('navigation', { name: 'Main' });

    // 2. The owner registers the provider app (a public client) through the Provider apps page.
    await nav.getByRole('link', { name: 'Provider apps' }).click();
    await page.getByRole('heading', { name: 'Provider apps' }).waitFor();
    await page.getByText(`${base}/callback/{sourceId}`).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('Test provider app');
    await page.getByRole('textbox', { name: 'Client id' }).fill(CLIENT_ID);
    await page.getByRole('button', { name: 'Add' }).click();
    const confirm = page.getByRole('form', { name: 'Confirm your password' });
    // A fresh password is needed unless the sign-in moments ago still counts as one.
    await Promise.race([confirm.waitFor(), page.getByRole('cell', { name: CLIENT_ID }).waitFor()]);
    if (await confirm.isVisible()) {
      await confirm.getByLabel('Password').fill(OWNER.password);
      await confirm.getByRole('button').first().click();
    }
    await page.getByRole('cell', { name: CLIENT_ID }).waitFor();
    await page.getByRole('cell', { name: 'Public (PKCE only)' }).waitFor();
    await checkPage('provider-app');

    // 3. Connect by URL: off to the provider's authorize endpoint and back to the Sources page.
    await page.getByLabel('Person').selectOption({ label: PERSON });
    await nav.getByRole('link', { name: 'Connect a provider' }).click();
    await page.getByRole('heading', { name: 'Connect a provider' }).waitFor();
    await page.getByLabel('FHIR base URL').fill(provider.fhirBaseUrl);
    await page.getByLabel('Name (optional)').fill(SOURCE);
    await checkPage('connect');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.waitForURL(`${base}/people/${personId}/sources?connected=*`);
    expect(redirectUris).toHaveLength(1);
    const sourceId = new URL(redirectUris[0]!).pathname.split('/').pop()!;
    expect(redirectUris[0]).toBe(`${base}/callback/${sourceId}`);
    expect(page.url()).toBe(`${base}/people/${personId}/sources?connected=${sourceId}`);
    // The browser went to the provider only for the authorization (and its sign-in redirects).
    expect(browser.allowedNavigations.length).toBeGreaterThanOrEqual(1);
    expect(new URL(browser.allowedNavigations[0]!).pathname).toBe('/oauth/auth');
    const card = page.getByRole('region', { name: SOURCE });
    await card.getByText('Connected', { exact: true }).waitFor();
    await page.getByText(`Connected to ${SOURCE}`).waitFor();
    await page.getByText('The first sync has started').waitFor();

    // 4. The first sync (started by the connection) finishes; its result is on the card.
    await card.getByText('succeeded').waitFor({ timeout: 60_000 });
    const heldAtProvider = provider.patients[0]!.resourceCount;
    await card.getByText(/\d+ new, 0 updated, 0 unchanged/).waitFor();
    const recordsText = await card.getByText(/\d+ records/).first().textContent();
    expect(Number(/(\d+) records/.exec(recordsText ?? '')![1])).toBeGreaterThanOrEqual(heldAtProvider);
    await checkPage('connected-and-synced');

    // Every type the provider holds for the patient is in the records browser, with the same count.
    const held = await providerCounts();
    const observations = held.get('Observation') ?? 0;
    expect(observations).toBeGreaterThan(1);
    expect(held.size).toBeGreaterThan(3);
    await nav.getByRole('link', { name: 'Records' }).click();
    await page.getByRole('heading', { name: `Records of ${PERSON}` }).waitFor();
    await page.getByText(`${[...held.values()].reduce((a, b) => a + b, 0)} records in ${held.size} types`).waitFor();
    for (const [type, count] of held) await page.locator(`a[data-type=${type}]`).getByLabel(`${count} records`).waitFor();
    await checkPage('records');
    await page.locator('a[data-type=Observation]').click();
    await page.getByTestId('list-total').getByText(`${observations} records`).waitFor();

    // 5. A record changes at the provider and one is added: "Sync now" brings both.
    const changed = await providerRead<Resource>('Observation', 'observation-1');
    await provider.upsertResource(provider.patients[0]!.id, { ...changed, code: { text: 'Resting pulse (corrected at the provider)' } } as Resource);
    await provider.upsertResource(provider.patients[0]!.id, {
      resourceType: 'Observation',
      id: 'observation-new-1',
      status: 'final',
      code: { text: 'Peak flow, added at the provider' },
      subject: { reference: `Patient/${provider.patients[0]!.id}` },
      effectiveDateTime: '2026-11-20',
      valueQuantity: { value: 410, unit: 'L/min', system: 'http://unitsofmeasure.org', code: 'L/min' },
    } as Resource);
    await nav.getByRole('link', { name: 'Sources' }).click();
    // The page's event stream is held back until the sync has finished (a short sync can beat it):
    // the stream's opening status must then end the "Syncing…" state, with no 'finished' to come.
    const statusUrl = `${base}/api/people/${personId}/sources/${sourceId}/sync`;
    const cookie = (await browser.context.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
    await page.route('**/sync/events', async (route) => {
      await expect.poll(async () => ((await (await fetch(statusUrl, { headers: { cookie } })).json()) as { job?: { state: string } }).job?.state, { timeout: 30_000 }).toBe('succeeded');
      await route.continue();
    });
    await card.getByRole('button', { name: 'Sync now' }).click();
    await card.getByText(/1 new, 1 updated, \d+ unchanged/).waitFor({ timeout: 60_000 });
    await card.getByText('succeeded').waitFor();
    await checkPage('incremental-sync');
    await page.unroute('**/sync/events');
    await nav.getByRole('link', { name: 'Records' }).click();
    await page.locator('a[data-type=Observation]').getByLabel(`${observations + 1} records`).waitFor();
    // Hearth keeps its own ids: the records are found by their text in the list's filter.
    for (const text of ['corrected at the provider', 'added at the provider']) {
      await page.goto(`${base}/people/${personId}/records/Observation`);
      await page.getByLabel('Text').fill(text);
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByTestId('list-total').getByText('1 record', { exact: true }).waitFor();
      await page.getByRole('link', { name: new RegExp(text) }).waitFor();
    }
    await checkPage('changes-in-records');

    // A type the provider fails to serve: the sync is partial, never shown as a success.
    provider.behaviours.everything = false;
    provider.behaviours.failType = 'Immunization';
    await nav.getByRole('link', { name: 'Sources' }).click();
    await card.getByRole('button', { name: 'Sync now' }).click();
    await card.getByText('partial', { exact: true }).waitFor({ timeout: 60_000 });
    await card.getByText(/Immunization: the provider answered 500/).waitFor();
    await checkPage('partial-sync');
    provider.behaviours.everything = true;
    provider.behaviours.failType = null;

    // 6. The patient revokes Hearth at the provider: the next sync fails and asks for a reconnection.
    await provider.revokeGrants(provider.patients[0]!.id);
    await nav.getByRole('link', { name: 'Sources' }).click();
    await card.getByRole('button', { name: 'Sync now' }).click();
    await card.getByText('Reconnect needed').waitFor({ timeout: 60_000 });
    await card.getByText('failed').waitFor();
    // In words, not the code 'reconnect_needed'.
    await card.getByText(/no longer accepts Hearth’s authorisation: reconnect/).waitFor();
    expect(await card.textContent()).not.toContain('reconnect_needed');
    await checkPage('reconnect-needed');
    const navigationsBefore = browser.allowedNavigations.length;
    await card.getByRole('button', { name: 'Reconnect' }).click();
    await page.waitForURL(`${base}/people/${personId}/sources?connected=${sourceId}`);
    expect(browser.allowedNavigations.length).toBeGreaterThan(navigationsBefore);
    expect(redirectUris.every((uri) => uri === `${base}/callback/${sourceId}`)).toBe(true);
    await card.getByText('Connected', { exact: true }).waitFor();
    await page.getByText(`Connected to ${SOURCE}`).waitFor();
    // The reconnection starts a sync of its own, which now succeeds: nothing new, nothing changed.
    await card.getByText(/0 new, 0 updated, \d+ unchanged/).waitFor({ timeout: 60_000 });
    await card.getByText('succeeded').waitFor();
    await checkPage('reconnected');
    expect(browser.allowedNavigations.every((url) => new URL(url).origin === providerOrigin)).toBe(true);

    // A refused answer from the provider comes back as ?error=<code>: said in words.
    await page.goto(`${base}/people/${personId}/sources?error=forbidden`);
    await page.getByRole('alert').getByText('The provider was not connected').waitFor();
    await page.getByText(/did not authorise Hearth/).waitFor();
    await checkPage('connect-refused');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.waitForURL(`${base}/people/${personId}/sources`);

    // The allowance is that one endpoint's navigation: any other visit to the provider still counts as foreign.
    await page.goto(`${provider.fhirBaseUrl}/metadata`);
    expect(browser.foreignRequests).toEqual([`${provider.fhirBaseUrl}/metadata`]);
  });
});
