import { HearthError } from '../errors/hearth-error.ts';

/** Why the server's holders of a person's data are asked to let go. */
export type ReleaseReason = 'delete-person' | 'delete-source';

export type ReleaseListener = (personId: string, reason: ReleaseReason) => Promise<void> | void;

/**
 * The running server's caches of a person's data (open vault handles, import jobs) register here;
 * deletion calls `release` before it touches anything, so no open handle keeps serving a removed
 * vault and no import writes into it. A listener may refuse (throw), e.g. a source deletion while
 * an upload for that person is still running. The CLI has no such caches: `none()`.
 */
export interface PersonLifecycle {
  onRelease(listener: ReleaseListener): void;
  release(personId: string, reason: ReleaseReason): Promise<void>;
}

export function personLifecycle(): PersonLifecycle {
  const listeners: ReleaseListener[] = [];
  return {
    onRelease: (listener) => void listeners.push(listener),
    async release(personId, reason) {
      for (const listener of listeners) await listener(personId, reason);
    },
  };
}

export const busyWithImports = () => new HearthError('conflict', 'an import for this person is still running or queued; delete the source when it has finished');
