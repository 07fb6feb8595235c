import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportJob } from '../src/http/import-jobs.ts';
import { buildServer } from '../src/http/server.ts';
import { importClient, PASSWORDS, setUpAccounts } from './helpers/import-http-client.ts';
import { SYNTHEA_DIR, tempInstance } from './helpers/temp-instance.ts';

/**
 * Graceful shutdown: closing the server mid-import lets the batch being written commit and stops
 * there (never half a batch), fails the queued upload with a message, and a new upload of the same
 * file resumes after the last committed batch.
 */
const BATCH = 50;
const big = readFileSync(join(SYNTHEA_DIR, 'Encounter.000.ndjson'));
const total = big.toString('utf8').split('\n').filter((line) => line.trim() !== '').length;

let instance: Awaited<ReturnType<typeof tempInstance>>;
let personId: string;
const servers: FastifyInstance[] = [];

async function start() {
  const app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] }, { imports: { batchSize: BATCH } });
  servers.push(app);
  const client = importClient(await app.listen({ host: '127.0.0.1', port: 0 }));
  return { app, client, cookie: await client.login('alice', PASSWORDS.alice) };
}

function vaultState() {
  const vault = instance.people.openVault(personId);
  try {
    return {
      stored: vault.db.prepare("SELECT COUNT(*) FROM resources WHERE type = 'Encounter'").pluck().get() as number,
      imports: vault.db.prepare('SELECT status FROM imports').pluck().all() as string[],
      itemsDone: vault.db.prepare('SELECT COALESCE(SUM(items_done), 0) FROM import_files').pluck().get() as number,
    };
  } finally {
    vault.close();
  }
}

beforeAll(async () => {
  instance = await tempInstance();
  personId = instance.people.add('Eve').id;
  await setUpAccounts(instance.system, []);
});
afterAll(async () => {
  for (const app of servers) await app.close();
  instance.dispose();
});

describe('closing the server during an import', () => {
  it('stops after a committed batch, fails the queued upload, and a re-upload resumes', async () => {
    const first = await start();
    const running = await first.client.upload(first.cookie, personId, 'Encounter.000.ndjson', big);
    const queued = await first.client.upload(first.cookie, personId, 'Device.ndjson', '{"resourceType":"Device","id":"d"}\n');
    expect(queued.json.job.state).toBe('queued');
    // Wait until some batches have committed, then close while the import is still running.
    let job: ImportJob;
    do {
      job = (await first.client.call('GET', `/api/people/${personId}/imports/${running.json.job.id}`, { cookie: first.cookie })).json.job;
    } while (job.progress.items < BATCH * 2 && job.state === 'running');
    expect(job.state).toBe('running');
    await first.app.close();

    const stopped = vaultState();
    expect(stopped.stored).toBeGreaterThan(0);
    expect(stopped.stored).toBeLessThan(total);
    // Whole batches only, and exactly what the checkpoint says: nothing half-written.
    expect(stopped.stored % BATCH).toBe(0);
    expect(stopped.itemsDone).toBe(stopped.stored);
    expect(stopped.imports).toEqual(['running']);

    const second = await start();
    const again = await second.client.upload(second.cookie, personId, 'Encounter.000.ndjson', big);
    const { job: resumed } = await second.client.waitFor(second.cookie, personId, again.json.job.id);
    expect(resumed.state).toBe('done');
    // It read on from the checkpoint: only the rest was created, nothing twice.
    expect(resumed.report).toMatchObject({ created: total - stopped.stored, updated: 0, unchanged: 0, errorCount: 0 });
    const done = vaultState();
    expect(done.stored).toBe(total);
    expect(done.imports).toEqual(['done']);
  });
});
