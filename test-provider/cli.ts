import { parseArgs } from 'node:util';
import { DEMO_PUBLIC_CLIENT_ID } from './authorization-server.ts';
import { startTestProvider } from './index.ts';

/**
 * `npm run provider`: the test provider on fixed ports, to connect a local Hearth to by hand.
 *   npm run provider -- --port 8085 --patients 4 --resources 800 --latency 20 --redirect-uri http://127.0.0.1:8080/callback/<source id>
 * Stops on Ctrl-C.
 */

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8085' },
    'second-port': { type: 'string' },
    patients: { type: 'string', default: '4' },
    resources: { type: 'string', default: '500' },
    latency: { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log('Usage: npm run provider -- [--port 8085] [--second-port 8086] [--patients 4] [--resources 500] [--latency 0] [--seed 42] [--redirect-uri <uri> ...]');
  process.exit(0);
}

function integer(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be an integer ≥ ${min}`);
    process.exit(1);
  }
  return value;
}

const port = integer('port', values.port, 1);
const provider = await startTestProvider({
  port,
  secondPort: integer('second-port', values['second-port'] ?? String(port + 1), 1),
  patients: integer('patients', values.patients, 1),
  resourcesPerPatient: integer('resources', values.resources, 10),
  latencyMs: integer('latency', values.latency, 0),
  seed: integer('seed', values.seed, 0),
  demoRedirectUris: values['redirect-uri'],
});

console.log(`Hearth test provider (synthetic patients only)
  FHIR base URL:  ${provider.fhirBaseUrl}
  Issuer:         ${provider.issuer}
  Allowlist:      ${provider.origins.join(' ')}   (Hearth config outboundAllowlist)
  Public client:  ${DEMO_PUBLIC_CLIENT_ID}   redirect URIs: ${values['redirect-uri'].length > 0 ? values['redirect-uri'].join(' ') : '(none: pass --redirect-uri, or register a client at ' + provider.issuer + '/reg)'}
  Patients:       ${provider.patients.map((patient) => `${patient.id} (${patient.name}, ${patient.resourceCount} records)`).join(', ')}
Sign-in approves on its own, as the patient in login_hint or the first one. Ctrl-C stops.`);

const stop = async () => {
  await provider.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
