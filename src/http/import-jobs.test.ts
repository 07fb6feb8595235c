import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessControl } from '../access/access.ts';
import { accountsOf } from '../accounts/accounts-service.ts';
import { STOPPED_MESSAGE } from '../import/import-into-vault.ts';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { importJobs, MAX_REPORTED_PROBLEMS, MAX_WAITING } from './import-jobs.ts';

// The job registry without HTTP, on a real encrypted instance.
let instance: Awaited<ReturnType<typeof tempInstance>>;
let actor: { kind: 'account'; accountId: string };
let personId: string;

const patients = (count: number, prefix: string) =>
  Buffer.from(Array.from({ length: count }, (_, i) => JSON.stringify({ resourceType: 'Patient', id: `${prefix}${i}` })).join('\n'));
const request = (filename: string, bytes: Buffer) => ({ actor, personId, filename, bytes, sourceAddress: '127.0.0.1', requestId: 'r' });

async function settled(jobs: ReturnType<typeof importJobs>, id: string) {
  for (;;) {
    const job = jobs.get(actor, personId, id);
    if (job.state === 'done' || job.state === 'failed') return job;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

beforeAll(async () => {
  instance = await tempInstance();
  personId = instance.people.add('Jo').id;
  actor = { kind: 'account', accountId: (await accountsOf(instance.system).createOwner('owner', 'correct horse battery')).id };
});
afterAll(() => instance.dispose());

describe('import jobs', () => {
  it('lists at most 50 errors but counts them all, and keeps a partly bad file as done', async () => {
    const jobs = importJobs(instance, accessControl(instance.system));
    const lines = [...Array.from({ length: 60 }, () => '{"resourceType":"Patient",'), '{"resourceType":"Patient","id":"fine"}'];
    const job = await settled(jobs, jobs.submit(request('mixed.ndjson', Buffer.from(lines.join('\n')))).id);
    expect(job.state).toBe('done');
    expect(job.message).toBe('60 entries could not be imported; the rest was');
    expect(job.report!.errorCount).toBe(60);
    expect(job.report!.errors).toHaveLength(MAX_REPORTED_PROBLEMS);
    expect(job.report!.errors[0]).toEqual({ location: 'mixed.ndjson:1', message: expect.stringMatching(/JSON/), severity: 'error' });
    expect(job.report!.created).toBe(1);
    await jobs.close();
  });

  it('on close: stops the running job after a committed batch and fails the queued one, each with a message', async () => {
    const jobs = importJobs(instance, accessControl(instance.system), { batchSize: 20 });
    const running = jobs.submit(request('many.ndjson', patients(5000, 'm')));
    const queued = jobs.submit(request('later.ndjson', patients(3, 'l')));
    while (jobs.get(actor, personId, running.id).progress.items < 40) await new Promise((resolve) => setTimeout(resolve, 1));
    await jobs.close();
    const stopped = jobs.get(actor, personId, running.id);
    expect(stopped).toMatchObject({ state: 'failed', message: STOPPED_MESSAGE });
    expect(stopped.finishedAt).not.toBeNull();
    expect(jobs.get(actor, personId, queued.id)).toMatchObject({ state: 'failed', message: 'the server stopped before this import started; upload the file again' });
    expect(() => jobs.submit(request('after.ndjson', patients(1, 'a')))).toThrow(/shutting down/);
    const vault = instance.people.openVault(personId);
    const stored = vault.db.prepare("SELECT COUNT(*) FROM resources WHERE id LIKE 'm%'").pluck().get() as number;
    vault.close();
    expect(stored % 20).toBe(0);
    expect(stored).toBeGreaterThanOrEqual(40);
    expect(stored).toBeLessThan(5000);
  });
});

describe('the queue', () => {
  it(`keeps at most ${MAX_WAITING} uploads waiting per person`, async () => {
    const jobs = importJobs(instance, accessControl(instance.system), { batchSize: 20 });
    const running = jobs.submit(request('q0.ndjson', patients(3000, 'q')));
    for (let i = 1; i <= MAX_WAITING; i++) expect(jobs.submit(request(`q${i}.ndjson`, patients(1, `w${i}-`))).state).toBe('queued');
    expect(() => jobs.submit(request('one-too-many.ndjson', patients(1, 'x')))).toThrow(/already waiting/);
    expect(jobs.list(actor, personId).map((job) => job.filename)).toEqual(['q3.ndjson', 'q2.ndjson', 'q1.ndjson', 'q0.ndjson']);
    await settled(jobs, running.id);
    await jobs.close();
  });
});

describe('a person being deleted', () => {
  it('busy while jobs wait; forget stops the running job, never starts the queued one and forgets both', async () => {
    const jobs = importJobs(instance, accessControl(instance.system), { batchSize: 20 });
    expect(jobs.busy(personId)).toBe(false);
    const running = jobs.submit(request('big.ndjson', patients(5000, 'f')));
    jobs.submit(request('queued.ndjson', patients(2, 'never')));
    expect(jobs.busy(personId)).toBe(true);
    while (jobs.get(actor, personId, running.id).progress.items < 40) await new Promise((resolve) => setTimeout(resolve, 1));
    await jobs.forget(personId);
    expect(jobs.busy(personId)).toBe(false);
    expect(jobs.list(actor, personId)).toEqual([]);
    const vault = instance.people.openVault(personId);
    const count = (like: string) => vault.db.prepare('SELECT COUNT(*) FROM resources WHERE id LIKE ?').pluck().get(like) as number;
    try {
      expect(count('never%')).toBe(0);
      expect(count('f%')).toBeLessThan(5000);
    } finally {
      vault.close();
    }
    await jobs.close();
  });
});
