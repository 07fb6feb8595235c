// The health pages' routes and menu entries, joined into Shell.tsx with one line each. The pages are
// lazy chunks: the initial JavaScript stays small (issue 5 §9: < 400 KB gzipped).
import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { seg } from '../api.ts';
import { match } from '../router.tsx';
import { Loading } from '../ui.tsx';
import { prefetchHealthData } from './prefetch.ts';

/**
 * A lazy page whose chunk can be asked for ahead of rendering. Once loaded it renders directly, not
 * through React.lazy: a lazy component suspends on its first render even when its chunk is already
 * here, and React holds back revealing suspended content for up to 300 ms after its fallback showed
 * (FALLBACK_THROTTLE_MS), which alone was a third of the pages' one-second budget.
 */
function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): { Page: ComponentType<P>; preload: () => Promise<unknown> } {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  const preload = () => (loading ??= load().then((component) => (loaded = component)));
  const Lazy = lazy(() => preload().then((component) => ({ default: component })));
  function Page(props: P) {
    const Loaded = loaded;
    return Loaded ? <Loaded {...props} /> : <Lazy {...props} />;
  }
  return { Page, preload };
}

const Dashboard = lazyPage(() => import('./DashboardPage.tsx').then((module) => module.DashboardPage));
const Timeline = lazyPage(() => import('./TimelinePage.tsx').then((module) => module.TimelinePage));
const Labs = lazyPage(() => import('./LabsPage.tsx').then((module) => module.LabsPage));

const page = (node: ReactNode) => <Suspense fallback={<Loading />}>{node}</Suspense>;

/**
 * Called once at boot with the address the app opened on: a health page's chunk and data are asked
 * for right away, alongside the session check (the page, signed in, then finds both waiting).
 */
export function preloadHealthPage(path: string): void {
  const chunk = match('/people/:pid/dashboard', path) ? Dashboard : match('/people/:pid/timeline', path) ? Timeline : match('/people/:pid/labs', path) || match('/people/:pid/labs/:id', path) ? Labs : undefined;
  if (!chunk) return;
  chunk.preload().catch(() => undefined); // a failed chunk fails again, visibly, when rendered
  prefetchHealthData(path);
}

/** The health page at `path`, for a person the account may see; undefined when the path is not one. */
export function healthPage(path: string, known: (pid: string) => boolean): ReactNode | undefined {
  let params;
  if ((params = match('/people/:pid/dashboard', path)) && known(params.pid)) return page(<Dashboard.Page pid={params.pid} />);
  if ((params = match('/people/:pid/timeline', path)) && known(params.pid)) return page(<Timeline.Page pid={params.pid} />);
  if ((params = match('/people/:pid/labs', path)) && known(params.pid)) return page(<Labs.Page pid={params.pid} />);
  if ((params = match('/people/:pid/labs/:id', path)) && known(params.pid)) return page(<Labs.Page key={params.pid} pid={params.pid} loinc={params.id} />);
  return undefined;
}

/** Menu entries [to, label, active] of the health pages for a person. */
export function healthNav(pid: string, section: string): [string, string, boolean][] {
  const base = `/people/${seg(pid)}`;
  return [
    [`${base}/dashboard`, 'Dashboard', section === 'dashboard'],
    [`${base}/timeline`, 'Timeline', section === 'timeline'],
    [`${base}/labs`, 'Lab results', section === 'labs'],
  ];
}
