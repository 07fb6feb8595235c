import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { loadBackupConfig } from '../../backup/backup-config.ts';
import { backupService } from '../../backup/backup-service.ts';
import { restoreBackup } from '../../backup/restore.ts';
import { HearthError } from '../../errors/hearth-error.ts';
import { loadMasterKey } from '../../instance/master-key-source.ts';
import { cliActor } from '../actor.ts';
import { commandContext, withInstance } from '../context.ts';
import { table } from '../output.ts';

const shreddedNote = (n: number) => `${n} ${n === 1 ? "person's data was" : "people's data were"} deleted after this backup and cannot be restored`;

export function registerBackup(program: Command): void {
  const backup = program.command('backup').description('encrypted backups of the data directory (age format)');
  backup
    .command('init')
    .description('generate the age identity that encrypts and decrypts backups')
    .option('--out <file>', 'where to write it (default: backup.identityFile, <data dir>/backup-identity.txt)')
    .action(async (options: { out?: string }, command: Command) => {
      const context = commandContext(command);
      const path = options.out ?? loadBackupConfig(context.dataDir).identityFile;
      if (existsSync(path)) throw new HearthError('conflict', `${path} exists already; it is not replaced (old backups need it)`);
      const identity = await generateX25519Identity();
      const recipient = await identityToRecipient(identity);
      // The same layout as age-keygen, so the standard tool reads it: `age -d -i <file>`.
      writeFileSync(path, `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`, { mode: 0o600, flag: 'wx' });
      context.output.result({ identityFile: path, recipient }, () =>
        [
          `backup identity written to ${path} (mode 0600)`,
          `public key (recipient): ${recipient}`,
          'Keep a copy of this file AWAY FROM THIS MACHINE, together with the master key:',
          'without both, no backup can ever be restored. Backups never contain the master key.',
        ].join('\n'),
      );
    });
  backup
    .command('create')
    .description('take a consistent snapshot, encrypt it, write it to every target and verify it')
    .action(async (_options: unknown, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, async (instance) => {
        const { key } = await loadMasterKey(instance.paths, process.env);
        const service = backupService({ instance, config: loadBackupConfig(context.dataDir), masterKey: key, actor: cliActor() });
        const row = await service.create();
        const verification = row.status === 'ok' ? await service.verify(row.id) : undefined;
        const pruned = row.status === 'ok' ? await service.prune() : [];
        context.output.result({ backup: { ...row, manifest: undefined, people: row.manifest?.people.length }, verification, pruned }, () =>
          [
            `backup ${row.id}: ${row.status}${row.error ? ` (${row.error})` : ''}`,
            ...row.copies.map((c) => `  ${c.ok ? 'ok     ' : 'PROBLEM'} ${c.target}${c.problem ? `: ${c.problem}` : ''}`),
            verification ? `verification: ${verification.ok ? 'ok' : `FAILED: ${verification.problems.join('; ')}`}` : '',
            pruned.length ? `pruned: ${pruned.map((p) => `${p.id} (${p.reason})`).join(', ')}` : '',
          ].filter(Boolean).join('\n'),
        );
        if (row.status !== 'ok' || !verification?.ok) process.exitCode = 1;
      });
    });
  backup
    .command('list')
    .description('the backup log')
    .action(async (_options: unknown, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, async (instance) => {
        const { key } = await loadMasterKey(instance.paths, process.env);
        const service = backupService({ instance, config: loadBackupConfig(context.dataDir), masterKey: key, actor: cliActor() });
        const rows = service.list().map((r) => ({ ...r, manifest: undefined, people: r.manifest?.people.length ?? 0, lastVerification: service.repository.lastVerification(r.id) }));
        context.output.result(rows, () =>
          table(
            ['ID', 'STATUS', 'PEOPLE', 'SIZE', 'COPIES', 'VERIFIED'],
            rows.map((r) => [r.id, r.status, r.people, r.size ?? '', `${r.copies.filter((c) => c.ok).length}/${r.copies.length}`, r.lastVerification ? (r.lastVerification.ok ? 'ok' : 'FAILED') : '-']),
          ),
        );
      });
    });
  backup
    .command('verify [id]')
    .description('decrypt a backup (default: the newest good one) into a temp directory and check it')
    .action(async (id: string | undefined, _options: unknown, command: Command) => {
      const context = commandContext(command);
      await withInstance(context, async (instance) => {
        const { key } = await loadMasterKey(instance.paths, process.env);
        const result = await backupService({ instance, config: loadBackupConfig(context.dataDir), masterKey: key, actor: cliActor() }).verify(id);
        context.output.result(result, () =>
          [
            `backup ${result.backupId}: ${result.ok ? 'verified ok' : `FAILED\n  ${result.problems.join('\n  ')}`}`,
            result.shredded.length > 0 ? `${shreddedNote(result.shredded.length)} (shredded, as promised; not a failure)` : '',
          ].filter(Boolean).join('\n'),
        );
        if (!result.ok) process.exitCode = 1;
      });
    });
  program
    .command('restore <id>')
    .description('restore a backup (id, or path to an .age file) into an empty data directory')
    .option('--key-file <file>', 'the master key file of the backed-up instance (copied in as master.key)')
    .option('--escrow <file>', "the backup target's key escrow (default: keys/escrow.age in the archive's target)")
    .action(async (id: string, options: { keyFile?: string; escrow?: string }, command: Command) => {
      const context = commandContext(command);
      const { manifest, shredded } = await restoreBackup({
        config: loadBackupConfig(context.dataDir),
        source: id,
        dataDir: context.dataDir,
        ...(options.keyFile ? { keyFile: options.keyFile } : {}),
        ...(options.escrow ? { escrowFile: options.escrow } : {}),
      });
      const restored = manifest.people.length - shredded.filter((p) => manifest.people.some((m) => m.id === p)).length;
      context.output.result({ restored: manifest.id, dataDir: context.dataDir, people: restored, shredded: shredded.length, createdAt: manifest.createdAt }, () =>
        [
          `restored backup ${manifest.id} (${manifest.createdAt}, ${restored} people) into ${context.dataDir}; every database checked`,
          shredded.length > 0 ? shreddedNote(shredded.length) : '',
        ].filter(Boolean).join('\n'),
      );
    });
}
