// The health pages' routes and menu entries, joined into Shell.tsx with one line each. The pages are
// lazy chunks: the initial JavaScript stays small (issue 5 §9: < 400 KB gzipped).
import { lazy, Suspense, type ReactNode } from 'react';
import { seg } from '../api.ts';
import { match } from '../router.tsx';
import { Loading } from '../ui.tsx';

const DashboardPage = lazy(() => import('./DashboardPage.tsx').then((module) => ({ default: module.DashboardPage })));
const TimelinePage = lazy(() => import('./TimelinePage.tsx').then((module) => ({ default: module.TimelinePage })));
const LabsPage = lazy(() => import('./LabsPage.tsx').then((module) => ({ default: module.LabsPage })));

const page = (node: ReactNode) => <Suspense fallback={<Loading />}>{node}</Suspense>;

/** The health page at `path`, for a person the account may see; undefined when the path is not one. */
export function healthPage(path: string, known: (pid: string) => boolean): ReactNode | undefined {
  let params;
  if ((params = match('/people/:pid/dashboard', path)) && known(params.pid)) return page(<DashboardPage pid={params.pid} />);
  if ((params = match('/people/:pid/timeline', path)) && known(params.pid)) return page(<TimelinePage pid={params.pid} />);
  if ((params = match('/people/:pid/labs', path)) && known(params.pid)) return page(<LabsPage pid={params.pid} />);
  if ((params = match('/people/:pid/labs/:id', path)) && known(params.pid)) return page(<LabsPage key={params.pid} pid={params.pid} loinc={params.id} />);
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
