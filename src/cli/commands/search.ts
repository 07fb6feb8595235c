import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Command } from 'commander';
import { auditLog } from '../../audit/index.ts';
import { cliActor } from '../actor.ts';
import { commandContext, withInstance } from '../context.ts';

/** A one-line human summary of a record: its type/id and the most telling text it has. */
export function summarize(resource: Resource): string {
  const r = resource as Record<string, any>;
  const concept = r.code ?? r.vaccineCode ?? r.medicationCodeableConcept ?? r.type?.[0] ?? r.type;
  const label =
    concept?.text ?? concept?.coding?.[0]?.display ?? r.name?.[0]?.text ?? [r.name?.[0]?.given?.join(' '), r.name?.[0]?.family].filter(Boolean).join(' ') ?? '';
  const value = r.valueQuantity ? ` = ${r.valueQuantity.value} ${r.valueQuantity.unit ?? r.valueQuantity.code ?? ''}`.trimEnd() : '';
  const when = r.effectiveDateTime ?? r.onsetDateTime ?? r.occurrenceDateTime ?? r.performedDateTime ?? r.authoredOn ?? r.period?.start ?? r.date ?? r.birthDate ?? '';
  return [`${resource.resourceType}/${resource.id}`, when, `${typeof label === 'string' ? label : ''}${value}`].filter(Boolean).join('  ');
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('FHIR search in a person\'s records, e.g. "Observation?code=http://loinc.org|4548-4&date=ge2020"')
    .requiredOption('--person <id>', 'whose records to search')
    .argument('<query>', 'a FHIR search: Type?param=value&…')
    .action(async (query: string, options: { person: string }, command: Command) => {
      const context = commandContext(command);
      const { searchVault } = await import('../../search/index.ts');
      await withInstance(context, (instance) => {
        instance.people.require(options.person);
        const vault = instance.people.openVault(options.person);
        const audit = auditLog(vault.db);
        const type = query.split('?')[0] ?? '';
        const what = { ...(/^[A-Z][A-Za-z]+$/.test(type) ? { type } : {}), query };
        try {
          let result;
          try {
            result = searchVault(vault.db, query);
          } catch (error) {
            audit.append({ actor: cliActor(), personId: options.person, action: 'search', what, outcome: 'failure' });
            throw error;
          }
          // Every search of a person's records is on their audit trail (SECURITY.md "Audit").
          audit.append({ actor: cliActor(), personId: options.person, action: 'search', what, outcome: 'success' });
          const bundle: Bundle = {
            resourceType: 'Bundle',
            type: 'searchset',
            total: result.total,
            ...(result.next ? { link: [{ relation: 'next', url: result.next }] } : {}),
            entry: [
              ...result.resources.map((resource) => ({ resource, search: { mode: 'match' as const } })),
              ...result.included.map((resource) => ({ resource, search: { mode: 'include' as const } })),
            ],
          };
          context.output.result(bundle, () => {
            const lines = result.resources.map(summarize);
            if (result.included.length > 0) lines.push('included:', ...result.included.map((r) => `  ${summarize(r)}`));
            lines.push(`${result.total} match${result.total === 1 ? '' : 'es'}${result.next ? ` (showing ${result.resources.length}; next page: ${result.next})` : ''}`);
            return lines.join('\n');
          });
        } finally {
          vault.close();
        }
      });
    });
}
