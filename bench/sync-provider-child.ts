// The test provider in its own process for bench/sync-bench.ts: the provider's own work (it builds
// each $everything page over the whole record set) must not share an event loop with the engine
// measured. Prints one JSON line (base URL, origins, patient, a minted token), serves until killed.
import { startTestProvider } from '../test-provider/index.ts';

const resources = Number(process.argv[2] ?? 10_000);
const latencyMs = Number(process.argv[3] ?? 20);
const provider = await startTestProvider({ patients: 1, resourcesPerPatient: resources, seed: 11, latencyMs });
// 'types': no Patient/$everything, so the engine searches type by type (Epic/Cerner-like).
if (process.argv[4] === 'types') provider.behaviours.everything = false;
const patientId = provider.patients[0]!.id;
const token = await provider.mintAccessToken(patientId);
process.stdout.write(`${JSON.stringify({ fhirBaseUrl: provider.fhirBaseUrl, origins: provider.origins, patientId, token })}\n`);
process.on('SIGTERM', () => void provider.close().then(() => process.exit(0)));
