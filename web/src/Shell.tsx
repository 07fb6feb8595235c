import { AppShell, Burger, Button, Group, NativeSelect, NavLink, Text, VisuallyHidden } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { lazy, Suspense, useEffect } from 'react';
import { ExportPage } from './pages/ExportPage.tsx';
import { BackupsPage } from './pages/BackupsPage.tsx';
import { ConnectPage } from './providers/ConnectPage.tsx';
import { ProviderAppsPage } from './providers/ProviderAppsPage.tsx';
import { HomePage } from './pages/HomePage.tsx';
import { PrivacyPage } from './pages/PrivacyPage.tsx';
import { RecordDetailPage } from './pages/RecordDetailPage.tsx';
import { BrowseListPage } from './browse/BrowseListPage.tsx';
import { RecordsPage } from './pages/RecordsPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { SharingPage } from './pages/SharingPage.tsx';
import { SourcesPage } from './pages/SourcesPage.tsx';
import { UploadPage } from './pages/UploadPage.tsx';
import { healthNav, healthPage } from './health/routes.tsx';
import { match, navigate, Redirect, useLocation, type Param } from './router.tsx';
import { useHearth } from './session.tsx';
import { Empty, Loading } from './ui.tsx';
import { ColorSchemeToggle } from './quality/ColorSchemeToggle.tsx';

const EntryPage = lazy(() => import('./entry/EntryPage.tsx').then((module) => ({ default: module.EntryPage })));
const SearchPage = lazy(() => import('./browse/SearchPage.tsx'));

/** The signed-in app: header with the person switcher, a nav, and the page of the current URL. */
export function Shell() {
  const { session, signOut } = useHearth();
  const { path } = useLocation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const pid = match('/people/:pid', path.split('/').slice(0, 3).join('/'))?.pid;
  const person = session.people.find((candidate) => candidate.id === pid);

  useEffect(close, [path, close]);
  // A stale /login or /setup address (from before signing in) leads to the start page.
  useEffect(() => {
    if (path === '/login' || path === '/setup' || path.startsWith('/invite/')) navigate('/', { replace: true });
  }, [path]);

  const section = path.split('/')[3] ?? '';
  const nav = (to: string, label: string, active: boolean) => (
    <NavLink
      key={to}
      href={to}
      label={label}
      active={active}
      variant="filled"
      aria-current={active ? 'page' : undefined}
      onClick={(event) => {
        event.preventDefault();
        navigate(to);
      }}
    />
  );

  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="xs">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? 'Close the menu' : 'Open the menu'} />
            <Text fw={700} c="var(--hearth-brand)" component="span">
              Hearth
            </Text>
          </Group>
          {session.people.length > 0 && (
            <NativeSelect
              aria-label="Person"
              size="sm"
              maw={200}
              value={person?.id ?? ''}
              onChange={(event) => navigate(`/people/${encodeURIComponent(event.currentTarget.value)}/${section || 'records'}`)}
              data={[...(person ? [] : [{ value: '', label: 'Choose a person…', disabled: true }]), ...session.people.map((p) => ({ value: p.id, label: p.name }))]}
            />
          )}
          <Button variant="subtle" size="compact-sm" onClick={() => void signOut()}>
            Sign out
          </Button>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {person && (
          <>
            <Text size="xs" c="dimmed" px="sm" pt="xs">
              {person.name}
            </Text>
            {healthNav(person.id, section).map(([to, label, active]) => nav(to, label, active))}
            {nav(`/people/${encodeURIComponent(person.id)}/records`, 'Records', section === 'records')}
            {nav(`/people/${encodeURIComponent(person.id)}/search`, 'Search', section === 'search')}
            {/* Only what this account's role allows for the person (access/access.ts ROLE_ACTIONS). */}
            {person.actions.includes('write') && nav(`/people/${encodeURIComponent(person.id)}/add`, 'Add a record', section === 'add')}
            {person.actions.includes('write') && nav(`/people/${encodeURIComponent(person.id)}/upload`, 'Upload', section === 'upload')}
            {person.actions.includes('write') && nav(`/people/${encodeURIComponent(person.id)}/connect`, 'Connect a provider', section === 'connect')}
            {nav(`/people/${encodeURIComponent(person.id)}/sources`, 'Sources', section === 'sources')}
            {person.actions.includes('manage') && nav(`/people/${encodeURIComponent(person.id)}/sharing`, 'Sharing', section === 'sharing')}
            {person.actions.includes('manage') && nav(`/people/${encodeURIComponent(person.id)}/privacy`, 'Privacy', section === 'privacy')}
            {nav(`/people/${encodeURIComponent(person.id)}/export`, 'Export', section === 'export')}
          </>
        )}
        {nav('/', 'People', path === '/')}
        {nav('/settings', 'Settings', path === '/settings')}
        {session.account.isOwner && nav('/backups', 'Backups', path === '/backups')}
        {session.account.isOwner && nav('/provider-apps', 'Provider apps', path === '/provider-apps')}
        <Text size="xs" c="dimmed" px="sm" mt="md">
          <VisuallyHidden>Signed in as </VisuallyHidden>
          {session.account.username}
        </Text>
        {/* In the menu, not the header: at 375 px the header needs its width for the person switcher. */}
        <Group px="xs" mt="xs">
          <ColorSchemeToggle />
        </Group>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Page />
      </AppShell.Main>
    </AppShell>
  );
}

function Page() {
  const { path } = useLocation();
  const { session } = useHearth();
  let params: Record<Param, string> | undefined;
  if (path === '/' || path === '/people') return <HomePage />;
  if (path === '/settings') return <SettingsPage />;
  if (path === '/backups') return <BackupsPage />;
  if (path === '/provider-apps') return <ProviderAppsPage />;
  const known = (pid: string) => session.people.some((person) => person.id === pid);
  const health = healthPage(path, known);
  if (health) return health;
  if ((params = match('/people/:pid/records', path)) && known(params.pid)) return <RecordsPage pid={params.pid} />;
  if ((params = match('/people/:pid/search', path)) && known(params.pid)) return <Suspense fallback={<Loading />}><SearchPage pid={params.pid} /></Suspense>;
  if ((params = match('/people/:pid/records/:type', path)) && known(params.pid)) return <BrowseListPage key={params.type} pid={params.pid} type={params.type} />;
  if ((params = match('/people/:pid/records/:type/:id', path)) && known(params.pid))
    return <RecordDetailPage key={path} pid={params.pid} type={params.type} id={params.id} />;
  if ((params = match('/people/:pid/records/:type/:id/edit', path)) && known(params.pid)) return <Suspense fallback={<Loading />}><EntryPage key={path} pid={params.pid} edit={{ type: params.type, id: params.id }} /></Suspense>;
  if ((params = match('/people/:pid/add', path)) && known(params.pid)) return <Suspense fallback={<Loading />}><EntryPage key={path} pid={params.pid} /></Suspense>;
  if ((params = match('/people/:pid/upload', path)) && known(params.pid)) return <UploadPage pid={params.pid} />;
  if ((params = match('/people/:pid/connect', path)) && known(params.pid)) return <ConnectPage pid={params.pid} />;
  if ((params = match('/people/:pid/sharing', path)) && known(params.pid)) return <SharingPage pid={params.pid} />;
  if ((params = match('/people/:pid/sources', path)) && known(params.pid)) return <SourcesPage pid={params.pid} />;
  if ((params = match('/people/:pid/privacy', path)) && known(params.pid)) return <PrivacyPage pid={params.pid} />;
  if ((params = match('/people/:pid/export', path)) && known(params.pid)) return <ExportPage pid={params.pid} />;
  if ((params = match('/people/:pid', path)) && known(params.pid)) return <Redirect to={`/people/${encodeURIComponent(params.pid)}/records`} />;
  return <Empty>There is no such page, or no such person. Choose one in the menu.</Empty>;
}
