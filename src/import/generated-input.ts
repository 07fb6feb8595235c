import type { Resource } from '@medplum/fhirtypes';
import type { ImportInput } from './import-into-vault.ts';
import type { ImportItem } from './readers/index.ts';

/**
 * Generated records (e.g. `hearth demo`) as an import input, so they go through the same
 * validation, batching, checkpoints and provenance as a file.
 */
export function generatedInput(name: string, fingerprint: string, approximateSize: number, records: () => Iterable<Resource>): ImportInput {
  return {
    name,
    fingerprint: async () => fingerprint,
    size: approximateSize,
    async *items(): AsyncGenerator<ImportItem> {
      let entry = 0;
      for (const resource of records()) {
        yield { kind: 'resource', location: { file: name, entry: entry++ }, resource: resource as unknown as Record<string, unknown> };
      }
    },
  };
}
