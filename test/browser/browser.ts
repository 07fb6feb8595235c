// Real Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core, never a
// browser Playwright downloads. Each launch gets a fresh profile, and records every CSP violation
// and every request to an origin other than the server's, so tests can assert there are none.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { onTestFailed } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Fails unless Chromium is installed and web/dist is current. It does not build: test files run in
 * parallel and two builds would empty each other's output; `npm test` builds once before them.
 */
export function requireBrowserPrerequisites(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with "apt-get install chromium" (npm test does it when run as root on Debian)`);
  const check = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'build-web.js'), '--check'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(check.stderr.trim() || 'the web app build is not current');
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** CSP violations reported by the page (securitypolicyviolation events) and the console. */
  cspViolations: string[];
  /** URLs requested from any origin but `origin` (except the allowed navigation below). */
  foreignRequests: string[];
  /** Top-level navigations let through by `allowNavigation` (each hop of their redirect chains). */
  allowedNavigations: string[];
  /** Uncaught page errors (a React crash shows up here). */
  pageErrors: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  viewport?: { width: number; height: number };
  artifactDir: string;
  /**
   * One foreign place the browser may go: a top-level navigation that starts at `origin` + `path`
   * (a provider's authorization endpoint: SMART's standalone launch sends the user there), and the
   * redirects of that same navigation on that origin (the provider's sign-in steps). Anything else
   * at that origin, a sub-resource or a navigation that starts elsewhere, is still a foreign request.
   */
  allowNavigation?: { origin: string; path: string };
}

/** Whether `request` is a main-frame navigation whose redirect chain began at the allowed endpoint, and is still on its origin. */
function allowedNavigation(request: Request, allow: LaunchOptions['allowNavigation']): boolean {
  if (!allow || !request.isNavigationRequest() || request.frame().parentFrame() !== null) return false;
  let first = request;
  while (first.redirectedFrom()) first = first.redirectedFrom()!;
  const start = new URL(first.url());
  return start.origin === allow.origin && start.pathname === allow.path && new URL(request.url()).origin === allow.origin;
}

export async function launch(origin: string, options: LaunchOptions): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'hearth-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    // No service workers, no downloads: nothing outlives the test.
    serviceWorkers: 'block',
  });
  const cspViolations: string[] = [];
  const foreignRequests: string[] = [];
  const allowedNavigations: string[] = [];
  const pageErrors: string[] = [];
  await context.exposeBinding('__hearthCspViolation', (_source, text: string) => void cspViolations.push(text));
  // A string, not a function: the root tsconfig has no DOM types (this runs in the page).
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => window.__hearthCspViolation(event.violatedDirective + ' ' + event.blockedURI));`,
  });
  context.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return;
    if (new URL(url).origin === origin) return;
    if (allowedNavigation(request, options.allowNavigation)) allowedNavigations.push(url);
    else foreignRequests.push(url);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => void pageErrors.push(error.message));
  const dir = join(ARTIFACTS, options.artifactDir);
  rmSync(dir, { recursive: true, force: true }); // screenshots of an earlier run would mislead
  mkdirSync(dir, { recursive: true });
  let step = 0;
  return {
    context,
    page,
    cspViolations,
    foreignRequests,
    allowedNavigations,
    pageErrors,
    async screenshot(name) {
      step += 1;
      await page.screenshot({ path: join(dir, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Fails with a clear message when the server lacks an API route the page under test needs (built in
 * parallel on another branch), instead of a timeout on a page that cannot work. Call it once the
 * instance has an owner (before that every /api route answers 409).
 */
export async function requireRoutes(origin: string, routes: [method: string, path: string][]): Promise<void> {
  const missing: string[] = [];
  for (const [method, path] of routes) {
    const response = await fetch(`${origin}${path}`, { method, headers: { 'x-hearth-csrf': '1', 'content-type': 'application/json' }, ...(method === 'GET' ? {} : { body: '{}' }) });
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    if (response.status === 404 && body.error?.message === 'no such route') missing.push(`${method} ${path}`);
  }
  if (missing.length > 0) throw new Error(`this server lacks API routes the web app needs: ${missing.join(', ')}`);
}

/** axe-core's bundle, evaluated in the page over the DevTools protocol (not a <script>: the CSP rightly blocks inline ones). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** WCAG 2.x A/AA violations on the current page, by axe-core (serious and critical only unless `all`). */
export async function accessibilityViolations(page: Page, all = false): Promise<AxeViolation[]> {
  // Not over a link: a hover state is not what the page looks like.
  await page.mouse.move(0, 0);
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeViolation[]>(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
    .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)) })))`);
  return all ? violations : violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/**
 * A fresh instance's first step in the browser: the setup page creates the owner account, and the
 * People page opens (web-app.test.ts walks this page itself, with its checks).
 */
export async function createOwner(page: Page, base: string, owner: { username: string; password: string }): Promise<void> {
  await page.goto(base);
  await page.getByLabel('Username').fill(owner.username);
  await page.getByLabel(/^Password/).fill(owner.password);
  await page.getByLabel('Repeat the password').fill(owner.password);
  await page.getByRole('button', { name: 'Create owner account' }).click();
  await page.getByRole('heading', { name: 'People' }).waitFor();
}

/**
 * Signs in on the sign-in form the page at `path` shows, then waits for what should open: a
 * heading's name, or any locator (a page's data-ready marker).
 */
export async function signIn(page: Page, base: string, path: string, owner: { username: string; password: string }, landing: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.getByLabel('Username').fill(owner.username);
  await page.getByLabel(/^Password/).fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await (landing.startsWith('[') ? page.locator(landing) : page.getByRole('heading', { name: landing })).waitFor();
}

/**
 * Launches a browser inside a test, keeps it in `browsers` (for afterAll to close) and leaves a
 * `failure` screenshot beside the step screenshots if the test fails.
 */
export async function launchForTest(base: string, options: LaunchOptions, browsers: Browser[]): Promise<Browser> {
  const browser = await launch(base, options);
  browsers.push(browser);
  onTestFailed(async () => {
    await browser.screenshot('failure').catch(() => undefined);
  });
  return browser;
}
