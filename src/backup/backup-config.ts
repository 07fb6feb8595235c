import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HearthError } from '../errors/hearth-error.ts';

/**
 * The `backup` section of the config file (`<data dir>/hearth.json`, `--config`, HEARTH_CONFIG),
 * overridden by HEARTH_BACKUP_* variables. The passphrase, a secret, comes only from the
 * environment (HEARTH_BACKUP_PASSPHRASE), never from a file next to the data.
 */
export interface BackupConfig {
  /** First is the primary location, every other one a replica. Empty: backups are not set up. */
  targets: string[];
  /** age X25519 recipient; when absent, derived from the identity file. */
  recipient?: string;
  /** age identity used to verify and restore (`hearth backup init` writes it). */
  identityFile: string;
  passphrase?: string;
  /** Hours between scheduled backups while `hearth serve` runs; 0 turns the schedule off. */
  intervalHours: number;
  retention: { daily: number; weekly: number; monthly: number };
  /** Days after a person's deletion by which no backup may hold their data (issue 6 §2). */
  deletionWindowDays: number;
}

const KEYS = new Set(['targets', 'recipient', 'identityFile', 'intervalHours', 'retention', 'deletionWindowDays']);

function whole(value: unknown, name: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new HearthError('invalid', `backup: ${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function fileSection(dataDir: string, env: NodeJS.ProcessEnv, configFile?: string): Record<string, unknown> {
  const path = configFile ?? env.HEARTH_CONFIG ?? join(dataDir, 'hearth.json');
  if (!existsSync(path)) return {};
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { backup?: unknown };
  if (parsed.backup === undefined) return {};
  if (typeof parsed.backup !== 'object' || parsed.backup === null || Array.isArray(parsed.backup)) throw new HearthError('invalid', `config file ${path}: backup must be an object`);
  const unknown = Object.keys(parsed.backup).filter((key) => !KEYS.has(key));
  if (unknown.length > 0) throw new HearthError('invalid', `config file ${path}: unknown backup setting "${unknown[0]}" (known: ${[...KEYS].join(', ')})`);
  return parsed.backup as Record<string, unknown>;
}

/** `configFile`: the file `hearth serve --config` was given, which wins over HEARTH_CONFIG as there. */
export function loadBackupConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env, configFile?: string): BackupConfig {
  const file = fileSection(dataDir, env, configFile);
  const targets = env.HEARTH_BACKUP_TARGETS ? env.HEARTH_BACKUP_TARGETS.split(',').map((s) => s.trim()).filter(Boolean) : (file.targets ?? []);
  if (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string' || t === '')) throw new HearthError('invalid', 'backup: targets must be a list of directories');
  const recipient = env.HEARTH_BACKUP_RECIPIENT ?? file.recipient;
  if (recipient !== undefined && (typeof recipient !== 'string' || !recipient.startsWith('age1'))) throw new HearthError('invalid', 'backup: recipient must be an age public key (age1…)');
  const identityFile = env.HEARTH_BACKUP_IDENTITY_FILE ?? file.identityFile ?? join(dataDir, 'backup-identity.txt');
  if (typeof identityFile !== 'string') throw new HearthError('invalid', 'backup: identityFile must be a path');
  const retention = (file.retention ?? {}) as Record<string, unknown>;
  return {
    targets: (targets as string[]).map((t) => resolve(t)),
    ...(recipient ? { recipient: recipient as string } : {}),
    identityFile: resolve(identityFile),
    ...(env.HEARTH_BACKUP_PASSPHRASE ? { passphrase: env.HEARTH_BACKUP_PASSPHRASE } : {}),
    intervalHours: whole(env.HEARTH_BACKUP_INTERVAL_HOURS ?? file.intervalHours ?? 24, 'intervalHours', 0, 24 * 31),
    retention: {
      daily: whole(retention.daily ?? 7, 'retention.daily', 1, 366),
      weekly: whole(retention.weekly ?? 4, 'retention.weekly', 0, 520),
      monthly: whole(retention.monthly ?? 12, 'retention.monthly', 0, 1200),
    },
    deletionWindowDays: whole(env.HEARTH_BACKUP_DELETION_WINDOW_DAYS ?? file.deletionWindowDays ?? 30, 'deletionWindowDays', 1, 30),
  };
}
