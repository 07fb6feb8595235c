import type { Bundle } from '@medplum/fhirtypes';
import type { Command } from 'commander';
import { AUDIT_ACTIONS, auditLog, toAuditEvent, type AuditAction, type AuditVerification } from '../../audit/index.ts';
import { HearthError } from '../../errors/hearth-error.ts';
import type { Instance } from '../../instance/instance.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';

interface Verified {
  database: string;
  result: AuditVerification;
}

/** Verifies the system database's trail and each person's (or one person's). */
function verifyAll(instance: Instance, personId?: string): Verified[] {
  const results: Verified[] = [];
  if (!personId) results.push({ database: 'system', result: auditLog(instance.system).verify() });
  const people = personId ? [instance.people.require(personId)] : instance.people.list();
  for (const person of people) {
    const vault = instance.people.openVault(person.id);
    try {
      results.push({ database: `person ${person.id} (${person.name})`, result: auditLog(vault.db).verify() });
    } finally {
      vault.close();
    }
  }
  return results;
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit trail: who did what with whose records');
  audit
    .command('verify')
    .description('check the hash chains; an edited, deleted or inserted entry is found and located')
    .option('--person <id>', "only this person's trail (default: the system's and everyone's)")
    .action(async (options: { person?: string }, command: Command) => {
      const context = commandContext(command);
      const results = await withInstance(context, (instance) => verifyAll(instance, options.person));
      context.output.result(results, () =>
        results
          .map(({ database, result }) =>
            result.ok ? `ok        ${database}: ${result.entries} entries` : `BROKEN    ${database}: entry ${result.problem.seq} ${result.problem.kind}: ${result.problem.message}`,
          )
          .join('\n'),
      );
      if (results.some(({ result }) => !result.ok)) process.exitCode = 1;
    });
  audit
    .command('list')
    .description('list audit entries; with --json, as a FHIR Bundle of AuditEvent resources')
    .option('--person <id>', "a person's trail (default: the system's)")
    .option('--action <action>', `only one kind: ${AUDIT_ACTIONS.join(', ')}`)
    .option('--limit <n>', 'at most this many entries', '100')
    .action(async (options: { person?: string; action?: string; limit: string }, command: Command) => {
      const context = commandContext(command);
      if (options.action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(options.action)) {
        throw new HearthError('invalid', `--action must be one of ${AUDIT_ACTIONS.join(', ')}`);
      }
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new HearthError('invalid', '--limit must be a whole number from 1 to 10000');
      await withInstance(context, (instance) => {
        const vault = options.person ? instance.people.openVault(instance.people.require(options.person).id) : undefined;
        try {
          const entries = auditLog(vault?.db ?? instance.system).list({ limit, ...(options.action ? { action: options.action as AuditAction } : {}) });
          const bundle: Bundle = {
            resourceType: 'Bundle',
            type: 'collection',
            entry: entries.map((entry) => ({ resource: toAuditEvent(entry) })),
          };
          context.output.result(bundle, () =>
            entries.length === 0
              ? 'no audit entries'
              : table(['SEQ', 'WHEN (UTC)', 'ACTOR', 'ACTION', 'OUTCOME', 'WHAT'], entries.map((e) => [e.seq, e.recordedAt, e.actor, e.action, e.outcome, e.what?.query ?? e.what?.type ?? ''])),
          );
        } finally {
          vault?.close();
        }
      });
    });
}
