import { Container } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, get, onSessionEnded, post, type SessionInfo } from './api.ts';
import { InvitePage } from './pages/InvitePage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { SetupPage } from './pages/SetupPage.tsx';
import { Shell } from './Shell.tsx';
import { match, navigate, useLocation } from './router.tsx';
import { HearthContext, type Hearth } from './session.tsx';
import { ErrorNote, Loading } from './ui.tsx';

type State =
  | { kind: 'loading' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'setup' }
  | { kind: 'signed-out'; notice?: string }
  | { kind: 'signed-in'; session: SessionInfo };

/** Which of setup, sign-in or the app to show, from what the server says about this browser. */
export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const { path } = useLocation();

  const load = useCallback(async (notice?: string) => {
    try {
      // Both at once: one round trip before the first page, not two. Without an owner the session
      // question is refused (setup-required), which only matters when setup is not the answer.
      const session = getSession().then(
        (info) => ({ info }),
        (error: unknown) => ({ error }),
      );
      const setup = await get<{ needsOwner: boolean }>('/api/setup');
      if (setup.needsOwner) return setState({ kind: 'setup' });
      const answer = await session;
      if ('error' in answer) throw answer.error;
      const { info } = answer;
      setState(info ? { kind: 'signed-in', session: info } : { kind: 'signed-out', ...(notice ? { notice } : {}) });
    } catch (error) {
      setState({ kind: 'failed', error });
    }
  }, []);

  useEffect(() => void load(), [load]);

  // Any call that answers 401 means the session ended (idle timeout, ended from another device).
  useEffect(
    () =>
      onSessionEnded(() => {
        setState((current) => (current.kind === 'signed-in' ? { kind: 'signed-out', notice: 'Your session ended. Please sign in again.' } : current));
      }),
    [],
  );

  const hearth = useMemo<Hearth | null>(() => {
    if (state.kind !== 'signed-in') return null;
    return {
      session: state.session,
      refresh: async () => {
        const info = await getSession();
        setState(info ? { kind: 'signed-in', session: info } : { kind: 'signed-out', notice: 'Your session ended. Please sign in again.' });
      },
      signOut: async () => {
        await post('/api/logout').catch(() => undefined);
        setState({ kind: 'signed-out', notice: 'You are signed out.' });
        navigate('/');
      },
    };
  }, [state]);

  useEffect(() => {
    document.title = state.kind === 'setup' ? 'Set up Hearth' : state.kind === 'signed-out' ? 'Sign in · Hearth' : 'Hearth';
  }, [state.kind]);

  const invite = match('/invite/:token', path);
  if (invite && state.kind !== 'loading' && state.kind !== 'signed-in') {
    return <InvitePage token={invite.token} onAccepted={() => void load()} />;
  }
  switch (state.kind) {
    case 'loading':
      return <Loading label="Opening Hearth…" />;
    case 'failed':
      return (
        <Container size="xs" py="xl">
          <ErrorNote error={state.error} title="Hearth cannot be reached" />
        </Container>
      );
    case 'setup':
      return <SetupPage onDone={() => void load()} />;
    case 'signed-out':
      return <LoginPage {...(state.notice ? { notice: state.notice } : {})} onSignedIn={() => void load()} />;
    case 'signed-in':
      return (
        <HearthContext.Provider value={hearth}>
          <Shell />
        </HearthContext.Provider>
      );
  }
}

/** The signed-in account and its people, or undefined when not signed in. */
async function getSession(): Promise<SessionInfo | undefined> {
  try {
    return await get<SessionInfo>('/api/session');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}
