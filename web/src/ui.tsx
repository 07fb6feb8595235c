// Small shared pieces: loading, error and empty states look the same on every page.
import { Alert, Center, Loader, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError } from './api.ts';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader size="sm" />
        <Text size="sm" c="dimmed">
          {label}
        </Text>
      </Stack>
    </Center>
  );
}

export function ErrorNote({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" title={title} role="alert">
      {message}
    </Alert>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" py="md">
      {children}
    </Text>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Loads once per `key` (a path), with loading and error state, and a reload. */
export function useLoad<T>(key: string | null, load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ key: string | null; data?: T; error?: unknown; loading: boolean }>({ key: null, loading: true });
  const [generation, setGeneration] = useState(0);
  const run = useCallback(load, [key, generation]);
  useEffect(() => {
    if (key === null) return;
    let live = true;
    setState((previous) => ({ key, data: previous.key === key ? previous.data : undefined, loading: true }));
    run().then(
      (data) => live && setState({ key, data, loading: false }),
      (error: unknown) => live && setState({ key, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [key, run]);
  return { data: state.data, error: state.error, loading: state.loading, reload: () => setGeneration((n) => n + 1) };
}

export interface Action {
  /** What the last run threw, for an ErrorNote; null while running or after a success. */
  error: unknown;
  busy: boolean;
  /**
   * Runs `action` with busy set and the previous error cleared; resolves true on success. `claim`
   * may take an error over (e.g. reauth-required opens a password step) by returning true; it is
   * then not shown.
   */
  run(action: () => Promise<unknown>, claim?: (caught: unknown) => boolean): Promise<boolean>;
  /** Shows an error found before anything was sent (a form check). */
  fail(error: unknown): void;
}

/** One user-started action's busy and error state: every form and button on the pages uses it. */
export function useAction(): Action {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>, claim?: (caught: unknown) => boolean) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (caught) {
      if (!claim?.(caught)) setError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run, fail: setError };
}
