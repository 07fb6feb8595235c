import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initInstance, openInstance, type Instance } from '../../src/instance/instance.ts';

export const SYNTHEA_DIR = join(import.meta.dirname, '..', 'fixtures', 'synthea-10');

/** A real initialised Hearth data directory in a temp folder, with its master key in a key file. */
export async function tempInstance(): Promise<Instance & { dispose(): void }> {
  const parent = mkdtempSync(join(tmpdir(), 'hearth-instance-'));
  const root = join(parent, 'data');
  const env = {} as NodeJS.ProcessEnv;
  await initInstance(root, env);
  const instance = await openInstance(root, env);
  return {
    ...instance,
    dispose() {
      instance.close();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
