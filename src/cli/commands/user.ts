import type { Command } from 'commander';
import type { Account, Grant } from '../../accounts/accounts-repository.ts';
import { accountsOf, checkRole, type GrantInput } from '../../accounts/accounts-service.ts';
import { auditLog, type AuditOutcome } from '../../audit/index.ts';
import { HearthError } from '../../errors/hearth-error.ts';
import type { Instance } from '../../instance/instance.ts';
import { totpService } from '../../accounts/totp.ts';
import { cliActor } from '../actor.ts';
import { sessionsOf } from '../../sessions/sessions-service.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';
import { deletionService } from '../../deletion/deletion-service.ts';
import { cliRequester, requireYes } from './delete-helpers.ts';

/**
 * Reads one password without echo on a terminal: raw mode, so the characters never reach the
 * screen, the shell history or `ps` (passwords are never command-line arguments).
 */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: HearthError) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || (char === '\u0004' && value === '')) return finish(new HearthError('invalid', 'cancelled: no password given'));
        if (char === '\u0004') return finish();
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char >= ' ') value += char;
      }
    };
    process.stderr.write(prompt);
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** The first line of a piped standard input (scripts and tests): `printf '%s\n' "$PW" | hearth …`. */
async function readFirstLine(): Promise<string> {
  process.stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk as string;
    if (text.includes('\n')) break;
  }
  return (text.split('\n')[0] ?? '').replace(/\r$/, '');
}

async function readNewPassword(): Promise<string> {
  let password: string;
  if (process.stdin.isTTY) {
    password = await promptHidden('New password: ');
    const again = await promptHidden('Repeat the password: ');
    if (again !== password) throw new HearthError('invalid', 'the two passwords differ; nothing was changed');
  } else {
    password = await readFirstLine();
  }
  if (password === '') throw new HearthError('invalid', 'no password given: type it at the prompt or pipe it on standard input (never as an argument)');
  return password;
}

function parseGrant(value: string, previous: GrantInput[]): GrantInput[] {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) throw new HearthError('invalid', `--grant takes <personId>:<role>, not "${value}"`);
  return [...previous, { personId: value.slice(0, colon), role: checkRole(value.slice(colon + 1)) }];
}

/**
 * Runs one account change and records it in the system audit trail as a `setting` entry, also when
 * it fails. The entry names the change and the account id (and person and role for a grant), never a password.
 */
async function audited<T>(instance: Instance, change: string, work: () => Promise<T> | T, describe: (result: T) => { accountId: string; personId?: string; role?: string }): Promise<T> {
  const log = auditLog(instance.system);
  const record = (outcome: AuditOutcome, detail?: { accountId: string; personId?: string; role?: string }) => {
    const query = new URLSearchParams({ change, ...(detail ? { account: detail.accountId } : {}), ...(detail?.role ? { role: detail.role } : {}) });
    log.append({ actor: cliActor(), action: 'setting', outcome, what: { query: query.toString() }, ...(detail?.personId ? { personId: detail.personId } : {}) });
  };
  let result: T;
  try {
    result = await work();
  } catch (error) {
    record('failure');
    throw error;
  }
  record('success', describe(result));
  return result;
}

function accountView(account: Account, grants: Grant[]) {
  return { ...account, grants: grants.map(({ personId, role }) => ({ personId, role })) };
}

export function registerUser(program: Command): void {
  const user = program.command('user').description('accounts that may sign in to the server, and whose records each may see');
  user
    .command('add <username>')
    .description('add an account; the password is read from the terminal (twice, hidden) or the first line of standard input')
    .option('--owner', 'the instance owner: may do everything for every person (only one)')
    .option('--grant <personId:role>', 'access to one person: owner, manager or viewer (repeatable)', parseGrant, [] as GrantInput[])
    .action(async (username: string, options: { owner?: boolean; grant: GrantInput[] }, command: Command) => {
      const context = commandContext(command);
      const password = await readNewPassword();
      await withInstance(context, async (instance) => {
        const accounts = accountsOf(instance.system);
        // The account and its grants are written together: a bad --grant adds nothing.
        const added = await audited(
          instance,
          options.owner ? 'user-add-owner' : 'user-add',
          () => (options.owner ? accounts.createOwner(username, password, options.grant) : accounts.addAccount(username, password, options.grant)),
          (account) => ({ accountId: account.id }),
        );
        for (const grant of accounts.grantsOf(added.id)) {
          await audited(instance, 'grant', () => grant, (g) => ({ accountId: g.accountId, personId: g.personId, role: g.role }));
        }
        const view = accountView(added, accounts.grantsOf(added.id));
        context.output.result(view, () => `added ${view.username} (${view.id})${view.isOwner ? ', the instance owner' : ''}${view.grants.map((g) => `\n  ${g.role} of ${g.personId}`).join('')}`);
      });
    });
  user
    .command('list')
    .description('list accounts and their grants (never their passwords)')
    .action(async (_options, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, (instance) => {
        const accounts = accountsOf(instance.system);
        const views = accounts.list().map((account) => accountView(account, accounts.grantsOf(account.id)));
        context.output.result(views, () =>
          views.length === 0
            ? 'No accounts yet: add the owner with "hearth user add <name> --owner"'
            : table(
                ['USERNAME', 'ID', 'OWNER', 'STATUS', 'GRANTS'],
                views.map((v) => [v.username, v.id, v.isOwner ? 'yes' : '', v.disabledAt ? `disabled ${v.disabledAt}` : 'active', v.grants.map((g) => `${g.personId}:${g.role}`).join(' ')]),
              ),
        );
      });
    });
  user
    .command('reset-password <username>')
    .description('set a new password, read like "user add" reads it')
    .option('--disable-totp', 'also turn off the second factor (for a person who lost their authenticator and recovery codes)')
    .action(async (username: string, options: { disableTotp?: boolean }, command: Command) => {
      const context = commandContext(command);
      const password = await readNewPassword();
      await withInstance(context, async (instance) => {
        const accounts = accountsOf(instance.system);
        const account = await audited(instance, 'reset-password', () => accounts.resetPassword(username, password), (a) => ({ accountId: a.id }));
        // A reset is often because the password leaked: every session signed in with it ends now.
        const ended = sessionsOf(instance.system).endAllFor(account.id);
        let totpDisabled = false;
        if (options.disableTotp) {
          const totp = totpService({ db: instance.system, sealKey: instance.totpSeedKey });
          totpDisabled = await audited(instance, 'totp-disable', () => totp.disable(account.id), () => ({ accountId: account.id }));
        }
        const note = options.disableTotp ? (totpDisabled ? '; second factor turned off' : '; it had no second factor') : '';
        context.output.result({ ...account, sessionsEnded: ended, ...(options.disableTotp ? { totpDisabled } : {}) }, () => `new password set for ${account.username}; ${ended} session(s) ended${note}`);
      });
    });
  user
    .command('disable <username>')
    .description('stop an account from signing in (its grants stay, unused)')
    .action(async (username: string, _options, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, async (instance) => {
        const accounts = accountsOf(instance.system);
        const account = await audited(instance, 'disable', () => accounts.disable(username), (a) => ({ accountId: a.id }));
        const ended = sessionsOf(instance.system).endAllFor(account.id);
        context.output.result({ ...account, sessionsEnded: ended }, () => `disabled ${account.username}; ${ended} session(s) ended`);
      });
    });
  user
    .command('delete <username>')
    .description('delete an account with its sessions, grants, second factor and invites; people stay (cannot be undone)')
    .option('--yes', 'confirm the deletion')
    .action(async (username: string, options: { yes?: boolean }, command: Command) => {
      const context = commandContext(command);
      requireYes(options, 'an account');
      await withInstance(context, (instance) => {
        const account = accountsOf(instance.system).byUsername(username);
        if (!account) throw new HearthError('not-found', 'no such account');
        deletionService(instance).deleteAccount(cliRequester(), account.id);
        context.output.result({ accountId: account.id, deleted: true }, () => `deleted account ${username}`);
      });
    });
}
