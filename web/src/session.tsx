import { createContext, useContext } from 'react';
import type { PersonView, SessionInfo } from './api.ts';

export interface Hearth {
  session: SessionInfo;
  /** Reloads account and people (after adding a person, enrolling TOTP, …). */
  refresh(): Promise<void>;
  signOut(): Promise<void>;
}

export const HearthContext = createContext<Hearth | null>(null);

export function useHearth(): Hearth {
  const hearth = useContext(HearthContext);
  if (!hearth) throw new Error('useHearth outside the signed-in app');
  return hearth;
}

export function usePerson(pid: string): PersonView | undefined {
  return useHearth().session.people.find((person) => person.id === pid);
}
