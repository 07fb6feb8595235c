import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomKey } from '../../src/keys/key-derivation.ts';
import { openVault, type Vault } from '../../src/vault/vault.ts';

/** A real encrypted vault in a fresh temporary directory; `dispose` closes and removes it. */
export function tempVault(): Vault & { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-vault-'));
  const vault = openVault(join(dir, 'vault.db'), 'person-1', randomKey(), { create: true });
  return {
    ...vault,
    dir,
    dispose() {
      vault.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
