import { createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { accessControl } from '../../access/access.ts';
import { auditLog } from '../../audit/index.ts';
import { HearthError } from '../../errors/hearth-error.ts';
import { startExport } from '../../export/export-service.ts';
import { cliActor } from '../actor.ts';
import { commandContext, withInstance } from '../context.ts';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a person's full export: every record as FHIR NDJSON and a Bundle, attachments, the audit trail, a manifest with SHA-256 of every file")
    .requiredOption('--person <id>', 'whose records')
    .requiredOption('--out <file.zip>', 'the zip to write (must not exist yet)')
    .option('--all-versions', 'also every earlier version of each record (versions/<Type>.ndjson)')
    .action(async (options: { person: string; out: string; allVersions?: boolean }, command: Command) => {
      const context = commandContext(command);
      const out = resolve(options.out);
      if (!out.toLowerCase().endsWith('.zip')) throw new HearthError('invalid', '--out must name a .zip file');
      if (existsSync(out)) throw new HearthError('conflict', `${options.out} already exists; choose another name or remove it first`);
      await withInstance(context, async (instance) => {
        const running = startExport(
          { access: accessControl(instance.system), people: instance.people, systemAudit: auditLog(instance.system) },
          { actor: { kind: 'cli' }, actorName: cliActor(), personId: options.person, allVersions: options.allVersions === true },
        );
        // Written beside the target and renamed when complete: a failed export leaves no partial zip under its name.
        const partial = `${out}.partial`;
        try {
          await pipeline(running.stream, createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
          const manifest = await running.done;
          renameSync(partial, out);
          context.output.result(
            { file: out, person: manifest.person, total: manifest.total, counts: manifest.counts, files: manifest.files.length + 1, attachments: manifest.attachments.length, auditEvents: manifest.auditEvents },
            () => `exported ${manifest.total} records of ${running.person.name} (${Object.keys(manifest.counts).length} types, ${manifest.attachments.length} attachments, ${manifest.auditEvents} audit events) to ${out}`,
          );
        } catch (error) {
          rmSync(partial, { force: true });
          await running.done.catch(() => {});
          throw error;
        }
      });
    });
}
