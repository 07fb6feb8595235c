import type { Command } from 'commander';
import { HearthError } from '../../errors/hearth-error.ts';
import { describeProblemPlace, type ImportReport } from '../../import/import-report.ts';
import type { ImportTarget } from '../../import/import-service.ts';
import { DEFAULT_SOURCE_LABEL } from '../../sources/sources-repository.ts';
import { cliActor } from '../actor.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';
import { progressReporter } from '../progress.ts';

interface ImportOptions {
  person?: string;
  source?: string;
  splitByPatient?: boolean;
  patient?: string;
  strict?: boolean;
}

const SHOWN_PROBLEMS = 20;

const where = describeProblemPlace;

export function describeReport(report: ImportReport, personName: string): string {
  const rows = Object.entries(report.byType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, c]) => [type, c.created, c.updated, c.unchanged, c.failed]);
  const lines = [`${personName} (${report.personId})${report.resumed ? ' — resumed an interrupted import' : ''}`];
  lines.push(rows.length > 0 ? table(['TYPE', 'CREATED', 'UPDATED', 'UNCHANGED', 'FAILED'], rows) : 'nothing imported');
  for (const warning of report.warnings.slice(0, SHOWN_PROBLEMS)) lines.push(`warning: ${where(warning)}: ${warning.message}`);
  for (const error of report.errors.slice(0, SHOWN_PROBLEMS)) lines.push(`error: ${where(error)}: ${error.message}`);
  if (report.errorCount > SHOWN_PROBLEMS) lines.push(`… and ${report.errorCount - SHOWN_PROBLEMS} more errors (see --json)`);
  for (const file of report.rejectedFiles) lines.push(`rejected (--strict): ${file}`);
  if (report.unresolvedReferences > 0) lines.push(`${report.unresolvedReferences} conditional references point at records not in the input`);
  lines.push(`${report.seconds.toFixed(1)} s`);
  return lines.join('\n');
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import FHIR Bundles, NDJSON, C-CDA XML, folders or .zip files')
    .argument('<paths...>', 'files or folders to import')
    .option('--person <id>', 'the person whose records these are')
    .option('--source <label>', 'where the records come from', DEFAULT_SOURCE_LABEL)
    .option('--split-by-patient', 'one person per Patient in the input (a family export)')
    .option('--patient <id>', "only this Patient's records from a multi-patient input (with --person)")
    .option('--strict', 'reject a whole file if any entry in it is bad')
    .action(async (paths: string[], options: ImportOptions, command: Command) => {
      const context = commandContext(command);
      let target: ImportTarget;
      if (options.splitByPatient) {
        if (options.person || options.patient) throw new HearthError('invalid', '--split-by-patient creates the people itself: drop --person/--patient');
        target = { kind: 'split-by-patient' };
      } else if (options.person) {
        target = { kind: 'person', personId: options.person, ...(options.patient ? { patientId: options.patient } : {}) };
      } else {
        throw new HearthError('invalid', 'say whose records these are: --person <id>, or --split-by-patient');
      }
      // Loaded here, not at start-up: FHIR definitions take a second that other commands need not pay.
      const { importFiles } = await import('../../import/import-service.ts');
      const progress = progressReporter();
      const reports = await withInstance(context, (instance) =>
        importFiles(instance, {
          actor: cliActor(),
          paths,
          target,
          ...(options.source ? { sourceLabel: options.source } : {}),
          ...(options.strict ? { strict: true } : {}),
          onProgress: (p) => progress.update({ label: p.personName, items: p.items, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, elapsedSeconds: p.elapsedSeconds }),
        }).then((result) => {
          progress.done();
          const names = new Map(instance.people.list().map((person) => [person.id, person.name]));
          return result.map((report) => ({ report, name: names.get(report.personId) ?? report.personId }));
        }),
      );
      context.output.result(
        reports.map(({ report }) => report),
        () => reports.map(({ report, name }) => describeReport(report, name)).join('\n\n'),
      );
      if (reports.some(({ report }) => report.errorCount > 0)) process.exitCode = 1;
    });
}
