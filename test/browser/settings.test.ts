import type { FastifyInstance } from 'fastify';
import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.ts';
import { tempInstance } from '../helpers/temp-instance.ts';
import { accessibilityViolations, type Browser, createOwner, launchForTest, requireBrowserPrerequisites, requireRoutes, signIn } from './browser.ts';

// Settings and sharing in real Chromium: an invite link made on the Sharing page and accepted in a
// second browser, two-step sign-in enrolled from Settings and used (with a recovery code), sessions.
const OWNER = { username: 'owner', password: 'a long kitchen table' };
const GUEST = { username: 'guest', password: 'another long passphrase' };
const PERSON = 'Robin Example';

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

async function open(artifactDir: string): Promise<Browser> {
  return launchForTest(base, { artifactDir }, browsers);
}

function expectClean(browser: Browser) {
  expect(browser.cspViolations).toEqual([]);
  expect(browser.foreignRequests).toEqual([]);
  expect(browser.pageErrors).toEqual([]);
}

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });

describe('settings and sharing in Chromium', () => {
  it('invites a second account by link, which then sees the person', { timeout: 120_000 }, async () => {
    const owner = await open('sharing');
    const { page } = owner;
    await createOwner(page, base, OWNER);
    await requireRoutes(base, [['POST', '/api/people'], ['GET', '/api/people/x/grants'], ['POST', '/api/invites'], ['GET', '/api/invites/x'], ['POST', '/api/totp/setup'], ['POST', '/api/reauth']]);
    await page.getByLabel(/^Name/).fill(PERSON);
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByRole('heading', { name: `Records of ${PERSON}` }).waitFor();

    await nav(page, 'Sharing').click();
    await page.getByRole('heading', { name: `Who may see ${PERSON}’s records` }).waitFor();
    await page.getByRole('button', { name: 'Create invite link' }).click();
    const link = (await page.getByTestId('invite-link').textContent()) ?? '';
    expect(link).toMatch(new RegExp(`^${base}/invite/`));
    await page.getByText('Open invites').waitFor();
    await owner.screenshot('invite-created');
    expect(await accessibilityViolations(page)).toEqual([]);

    const guest = await open('invite');
    await guest.page.goto(link);
    await guest.page.getByRole('heading', { name: 'You are invited to Hearth' }).waitFor();
    await guest.page.getByText(`${PERSON} (viewer)`).waitFor();
    await guest.screenshot('invite');
    expect(await accessibilityViolations(guest.page)).toEqual([]);
    await guest.page.getByLabel('Choose a username').fill(GUEST.username);
    await guest.page.getByLabel(/^Choose a password/).fill(GUEST.password);
    await guest.page.getByRole('button', { name: 'Create account and accept' }).click();
    await guest.page.getByRole('heading', { name: 'People' }).waitFor();
    await guest.page.getByRole('link', { name: PERSON }).waitFor();
    await guest.screenshot('guest-signed-in');

    // The owner sees the new grant and may remove it.
    await page.reload();
    await page.getByRole('cell', { name: GUEST.username }).waitFor();
    await owner.screenshot('grant-listed');
    // A used invite link is refused.
    await guest.page.getByRole('button', { name: 'Sign out' }).click();
    await guest.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await guest.page.goto(link);
    await guest.page.getByText('This invite link is not valid').waitFor();
    expectClean(owner);
    expectClean(guest);
  });

  it('enrols two-step sign-in, then signs in with a recovery code, and lists sessions', { timeout: 120_000 }, async () => {
    const browser = await open('totp');
    const { page } = browser;
    await signIn(page, base, '/settings', OWNER, 'Settings');
    await page.getByRole('table', { name: 'Sessions' }).getByText('this browser').waitFor();
    await browser.screenshot('settings');
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Turn on' }).click();
    // Enrolment needs a fresh password check first (unless the sign-in was just now).
    const secret = page.getByTestId('totp-secret');
    const reauth = page.getByRole('button', { name: 'Continue' });
    await Promise.race([secret.waitFor(), reauth.waitFor()]);
    if (await reauth.isVisible()) {
      await page.getByLabel(/^Password/).fill(OWNER.password);
      await reauth.click();
    }
    await secret.waitFor();
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32((await secret.textContent())!.trim()) });
    await browser.screenshot('totp-enrol');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('Code from the app').fill(totp.generate());
    await page.getByRole('button', { name: 'Confirm' }).click();
    const codes = page.getByTestId('recovery-codes').locator('code');
    await codes.first().waitFor();
    const recovery = (await codes.first().textContent())!.trim();
    expect(await codes.count()).toBeGreaterThanOrEqual(5);
    await browser.screenshot('recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('On: signing in asks for a code').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Username').fill(OWNER.username);
    await page.getByLabel(/^Password/).fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('One-time code').waitFor();
    await browser.screenshot('totp-step');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('One-time code').fill(recovery);
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByRole('heading', { name: 'People' }).waitFor();
    expectClean(browser);
  });
});
