// A sync in a child process, killed with SIGKILL by test/sync-crash.test.ts. It runs the same job
// service as `hearth source sync` with a session from a token the test minted (smart's OAuth is not
// part of this test), and the guarded outbound client with the provider's origins allowed.
import { accessControl } from '../../src/access/access.ts';
import { openInstance } from '../../src/instance/instance.ts';
import { outboundClient } from '../../src/outbound/outbound-client.ts';
import { syncJobs } from '../../src/sync/sync-jobs.ts';

const env = process.env;
const instance = await openInstance(env.SYNC_DATA_DIR!, env);
const outbound = outboundClient({ allowlist: JSON.parse(env.SYNC_ORIGINS!) as string[] });
const session = {
  sourceId: env.SYNC_SOURCE_ID!,
  fhirBaseUrl: env.SYNC_FHIR_BASE!,
  patientId: env.SYNC_PATIENT_ID!,
  grantedScopes: ['patient/*.rs'],
  accessToken: async (checkpoint?: () => void) => {
    checkpoint?.();
    return env.SYNC_TOKEN!;
  },
  refreshAfterUnauthorized: async () => env.SYNC_TOKEN!,
};
const jobs = syncJobs({ instance, access: accessControl(instance.system), openSession: () => session, fetch: outbound.fetch });
const job = await jobs.run({ actor: { kind: 'cli' }, auditActor: 'cli:test' }, env.SYNC_PERSON_ID!, env.SYNC_SOURCE_ID!, 'manual');
process.stdout.write(`${job.state}\n`);
await outbound.close();
instance.close();
