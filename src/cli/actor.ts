import { userInfo } from 'node:os';

/**
 * Who the command line acts as, for the audit trail: the operating-system account running it. The
 * operator at the shell has the machine; accounts and sessions arrive with the server.
 */
export function cliActor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = String(process.getuid?.() ?? 'unknown');
  }
  return `cli:${name}`;
}
