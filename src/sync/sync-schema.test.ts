import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEM_MIGRATIONS } from '../instance/system-schema.ts';
import { randomKey } from '../keys/key-derivation.ts';
import { openEncryptedDatabase } from '../storage/encrypted-database.ts';
import { migrate } from '../storage/migrations.ts';
import { syncRepository } from './sync-repository.ts';
import { planSteps, scopeCovers } from './sync-plan.ts';

describe('system migration 8 (sync jobs and schedules)', () => {
  it('opens a database from migration 7 with a source, and keeps one unfinished job per source', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-mig8-'));
    const db = openEncryptedDatabase(join(dir, 's.db'), randomKey(), { create: true });
    try {
      migrate(db, SYSTEM_MIGRATIONS.slice(0, 7), 'system');
      db.prepare("INSERT INTO people (id, name, created_at) VALUES ('p1', 'Ann', 't')").run();
      db.prepare("INSERT INTO sources (id, person_id, kind, label, base_url, created_at) VALUES ('s1', 'p1', 'provider', 'Clinic', 'https://x/fhir', 't')").run();
      expect(() => db.prepare('SELECT 1 FROM sync_jobs').get()).toThrow();
      migrate(db, SYSTEM_MIGRATIONS, 'system');
      const repository = syncRepository(db);
      const job = repository.createJob('s1', 'p1', 'cli:test', 'manual', 1);
      expect(job).toMatchObject({ state: 'queued', results: {}, checkpoint: null });
      expect(() => repository.createJob('s1', 'p1', 'cli:test', 'manual', 2)).toThrow(/UNIQUE/);
      repository.finish(job.id, 'partial', 3, {}, null);
      expect(repository.createJob('s1', 'p1', 'cli:test', 'schedule', 4).state).toBe('queued');
      expect(() => db.prepare("INSERT INTO sync_jobs (id, source_id, person_id, actor, trigger, state, created_at) VALUES ('x', 's1', 'p1', 'a', 'manual', 'done', 1)").run()).toThrow();
      repository.setSchedule('s1', 24, 10);
      expect(repository.dueSources(9)).toEqual([]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sync plan', () => {
  it('reads SMART v1 and v2 scopes, narrowed grants included', () => {
    expect(scopeCovers(['patient/*.rs'], 'Observation')).toBe(true);
    expect(scopeCovers(['patient/*.read'], 'Condition')).toBe(true);
    expect(scopeCovers(['patient/Observation.rs'], 'Condition')).toBe(false);
    expect(scopeCovers(['patient/*.c'], 'Condition')).toBe(false);
    expect(scopeCovers(['launch/patient', 'openid'], 'Patient')).toBe(false);
  });
  it('searches only the granted and declared types', () => {
    const plan = planSteps({ patientId: 'p 1', scopes: ['patient/Observation.rs', 'patient/Patient.rs', 'patient/Coverage.rs'], capabilities: { types: new Set(['Observation', 'Patient']), everything: false }, since: null, pageSize: 10 });
    expect(plan).toEqual({ mode: 'types', steps: ['Patient?_id=p%201', 'Observation?patient=p%201&_count=10'] });
  });
});
