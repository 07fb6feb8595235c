import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startServer, signIn } from './api-load.ts';
import { percentile } from './measure.ts';

/**
 * Issue 5 §9 in a real browser: a 100,000-record person, `hearth serve` in a child process, Debian's
 * Chromium (the browser tests' flags); the time from navigation to "data rendered" (the page's
 * `data-ready` attribute, set once its data is in the DOM) of the dashboard, timeline and lab
 * results, and the gzipped size of the JavaScript the first page load needs (index.html's script and
 * its module preloads; lazy pages and charts are not part of it). Others extend PAGES.
 */
export const PAGES: readonly { name: string; path: (personId: string) => string; ready: string }[] = [
  { name: 'dashboard', path: (pid) => `/people/${pid}/dashboard`, ready: '[data-page="dashboard"][data-ready="true"]' },
  { name: 'timeline', path: (pid) => `/people/${pid}/timeline`, ready: '[data-page="timeline"][data-ready="true"]' },
  { name: 'lab results', path: (pid) => `/people/${pid}/labs`, ready: '[data-page="labs"][data-ready="true"]' },
];

const TARGET_MS = 1000;
const TARGET_JS_KIB = 400;
const RUNS = 5;
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Gzipped bytes of the JavaScript index.html loads before anything else (its module script and preloads). */
export function initialJavaScriptGzipBytes(dist = join(import.meta.dirname, '..', 'web', 'dist')): { files: string[]; bytes: number } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/?([^"]+\.js)"/g)].map((match) => match[1]!);
  const bytes = files.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file)), { level: 9 }).length, 0);
  return { files, bytes };
}

export interface BrowserBenchResult {
  pages: Record<string, { firstMs: number; p50Ms: number; maxMs: number }>;
  initialJsGzipKiB: number;
}

/**
 * Measures each page RUNS + 1 times (the first, with a cold server cache, reported apart) with a
 * fresh navigation each time; adds rows to the bench table.
 */
export async function benchBrowser(dataDir: string, personId: string, env: NodeJS.ProcessEnv, rows: [string, string, string, string][]): Promise<BrowserBenchResult> {
  // The pages measured are the current sources' (builds only when web/dist is stale).
  const build = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build-web.js')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`web app build failed: ${build.stderr.trim()}`);
  const js = initialJavaScriptGzipBytes();
  const initialJsGzipKiB = js.bytes / 1024;
  rows.push(['initial JavaScript (gzip)', `${initialJsGzipKiB.toFixed(0)} KiB in ${js.files.length} file(s)`, `< ${TARGET_JS_KIB} KB`, initialJsGzipKiB < TARGET_JS_KIB ? 'met' : 'NOT met']);
  const { child, base } = await startServer(dataDir, env, 10 * 60_000);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const pages: BrowserBenchResult['pages'] = {};
  try {
    const cookie = await signIn(base);
    const [name, value] = cookie.split('=', 2) as [string, string];
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies([{ name, value, domain: new URL(base).hostname, path: '/', secure: true, httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    for (const spec of PAGES) {
      const times: number[] = [];
      for (let run = 0; run <= RUNS; run++) {
        await page.goto('about:blank');
        const start = performance.now();
        await page.goto(`${base}${spec.path(personId)}`);
        await page.locator(spec.ready).waitFor({ timeout: 60_000 });
        times.push(performance.now() - start);
      }
      const [first, ...rest] = times as [number, ...number[]];
      rest.sort((a, b) => a - b);
      const p50 = percentile(rest, 50);
      const max = rest.at(-1)!;
      pages[spec.name] = { firstMs: first, p50Ms: p50, maxMs: max };
      rows.push([`browser: ${spec.name} to data rendered (100k)`, `first ${first.toFixed(0)} ms, p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms`, `< ${TARGET_MS} ms`, max < TARGET_MS ? 'met' : 'NOT met']);
    }
    await context.close();
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
  return { pages, initialJsGzipKiB };
}
