import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBackupConfig } from './backup-config.ts';

describe('backup configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-backup-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the backup section of the given config file; the environment overrides it', () => {
    const file = join(dir, 'other.json');
    writeFileSync(file, JSON.stringify({ port: 7071, backup: { targets: ['/a', '/b'], intervalHours: 12, retention: { daily: 3 } } }));
    const config = loadBackupConfig(dir, {}, file);
    expect(config).toMatchObject({ targets: ['/a', '/b'], intervalHours: 12, retention: { daily: 3, weekly: 4, monthly: 12 }, deletionWindowDays: 30 });
    expect(config.identityFile).toBe(join(dir, 'backup-identity.txt'));
    expect(loadBackupConfig(dir, { HEARTH_BACKUP_TARGETS: '/c', HEARTH_BACKUP_INTERVAL_HOURS: '0' }, file)).toMatchObject({ targets: ['/c'], intervalHours: 0 });
  });

  it('refuses unknown keys, a bad recipient and a deletion window beyond 30 days, naming them', () => {
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ backup: { target: ['/a'] } }));
    expect(() => loadBackupConfig(dir, {})).toThrow(/unknown backup setting "target"/);
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ backup: { recipient: 'ssh-ed25519 AAAA' } }));
    expect(() => loadBackupConfig(dir, {})).toThrow(/age public key/);
    writeFileSync(join(dir, 'hearth.json'), JSON.stringify({ backup: { deletionWindowDays: 45 } }));
    expect(() => loadBackupConfig(dir, {})).toThrow(/deletionWindowDays must be a whole number from 1 to 30/);
  });
});
