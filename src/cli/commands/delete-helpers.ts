import { HearthError } from '../../errors/hearth-error.ts';
import { cliActor } from '../actor.ts';
import type { Requester } from '../../deletion/deletion-service.ts';

/** Deletion cannot be undone: the command line asks for --yes instead of a prompt (scripts can pass it). */
export function requireYes(options: { yes?: boolean }, what: string): void {
  if (options.yes !== true) throw new HearthError('invalid', `deleting ${what} cannot be undone; add --yes to confirm`);
}

/** The operator at the shell (access/access.ts: the cli actor may do everything; the trail still records it). */
export const cliRequester = (): Requester => ({ actor: { kind: 'cli' }, auditActor: cliActor() });
