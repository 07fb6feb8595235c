import { auditLog, type AuditLog } from '../audit/index.ts';
import type { PeopleService } from '../people/people-service.ts';
import { recordStore, type RecordStore } from '../records/record-store.ts';
import type { Vault } from '../vault/vault.ts';

/** One person's open vault with its record store and audit trail (their prepared statements reused). */
export interface OpenVault {
  vault: Vault;
  store: RecordStore;
  audit: AuditLog;
}

export interface VaultCache {
  /** The person's open vault; opened on first use. Callers check access before asking. */
  get(personId: string): OpenVault;
  /** Closes the person's vault, if open (deletion: no handle may keep serving a removed file). */
  evict(personId: string): void;
  /** Closes every open vault (server shutdown). */
  close(): void;
}

/**
 * Open vault handles kept for the server's lifetime. Opening a vault unwraps the data key, derives
 * the vault key, opens SQLCipher and runs the migration check: milliseconds per request otherwise,
 * and a cold 64 MiB page cache every time. better-sqlite3 is synchronous, so one handle per person
 * serves every request in turn; WAL lets a CLI import write meanwhile.
 */
export function vaultCache(people: PeopleService): VaultCache {
  const open = new Map<string, OpenVault>();
  return {
    get(personId) {
      let entry = open.get(personId);
      if (entry === undefined) {
        const vault = people.openVault(personId);
        entry = { vault, store: recordStore(vault.db), audit: auditLog(vault.db) };
        open.set(personId, entry);
      }
      return entry;
    },
    evict(personId) {
      open.get(personId)?.vault.close();
      open.delete(personId);
    },
    close() {
      for (const entry of open.values()) entry.vault.close();
      open.clear();
    },
  };
}

// One cache per people service (one per server's instance), so every route group of a server shares
// the same open handles (and page cache) instead of opening each vault twice.
const shared = new WeakMap<PeopleService, VaultCache>();

/** The vault cache every route group of a server shares; the first caller to close it closes all. */
export function sharedVaultCache(people: PeopleService): VaultCache {
  let cache = shared.get(people);
  if (cache === undefined) {
    const inner = vaultCache(people);
    cache = {
      get: inner.get,
      evict: inner.evict,
      close() {
        inner.close();
        shared.delete(people);
      },
    };
    shared.set(people, cache);
  }
  return cache;
}
