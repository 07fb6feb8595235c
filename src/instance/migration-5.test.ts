import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomKey } from '../keys/key-derivation.ts';
import { openEncryptedDatabase } from '../storage/encrypted-database.ts';
import { migrate } from '../storage/migrations.ts';
import { SYSTEM_MIGRATIONS } from './system-schema.ts';

describe('system migration 5 (second factor, re-authentication, invites)', () => {
  it('opens a database from migration 4 with its sessions and adds the new tables and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-mig5-'));
    const db = openEncryptedDatabase(join(dir, 's.db'), randomKey(), { create: true });
    try {
      migrate(db, SYSTEM_MIGRATIONS.slice(0, 4), 'system');
      db.prepare("INSERT INTO people (id, name, created_at) VALUES ('p1', 'Ann', 't')").run();
      db.prepare("INSERT INTO accounts (id, username, password_hash, created_at, password_changed_at) VALUES ('a1', 'ann', 'x', 't', 't')").run();
      db.prepare("INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at) VALUES ('h', 'a1', 1, 1)").run();
      expect(() => db.prepare('SELECT reauth_at FROM sessions').get()).toThrow();

      migrate(db, SYSTEM_MIGRATIONS, 'system');
      expect(db.prepare('SELECT account_id, reauth_at FROM sessions').get()).toEqual({ account_id: 'a1', reauth_at: null });
      db.prepare("INSERT INTO account_totp (account_id, sealed_seed, created_at) VALUES ('a1', x'01', 1)").run();
      db.prepare("INSERT INTO recovery_codes (account_id, code_hash) VALUES ('a1', 'h')").run();
      db.prepare("INSERT INTO invites (id, token_hash, created_by, created_at, expires_at) VALUES ('i1', 't', 'a1', 1, 2)").run();
      db.prepare("INSERT INTO invite_grants (invite_id, person_id, role) VALUES ('i1', 'p1', 'viewer')").run();
      expect(() => db.prepare("INSERT INTO invite_grants (invite_id, person_id, role) VALUES ('i1', 'p1', 'admin')").run()).toThrow();
      expect(db.prepare('SELECT username FROM accounts').get()).toEqual({ username: 'ann' });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
