import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { accessControl, type AccessAction, type Actor } from '../access/access.ts';
import { accountsRepository } from '../accounts/accounts-repository.ts';
import { auditLog, type AuditEntryInput } from '../audit/index.ts';
import { HearthError } from '../errors/hearth-error.ts';
import { loadBackupConfig } from '../backup/backup-config.ts';
import { escrowAfterDeletion } from '../backup/escrow-writer.ts';
import { vaultPath } from '../instance/data-dir.ts';
import type { Instance } from '../instance/instance.ts';
import { sourcesRepository, type SourceKind } from '../sources/sources-repository.ts';
import { compact, systemDeletionRepository, vaultSourceRepository } from './deletion-repository.ts';
import { personLifecycle, type PersonLifecycle } from './person-lifecycle.ts';

/** Who asks, as the audit trail records it: the access actor, its audit name, and the request. */
export interface Requester {
  actor: Actor;
  /** An account id or `cli:<os user>` (cli/actor.ts). */
  auditActor: string;
  sourceAddress?: string;
  requestId?: string;
}

export interface SourceSummary {
  id: string;
  kind: SourceKind;
  label: string;
  createdAt: string;
  /** Current records from this source. */
  records: number;
}

/** The files SQLite may keep beside a database (WAL mode, or a rollback journal after a crash). */
const SQLITE_FILE_SUFFIXES = ['', '-wal', '-shm', '-journal'];
const VAULT_FILE = /^([0-9a-f-]{36})\.db(-wal|-shm|-journal)?$/;

/**
 * Deleting a source, a person or an account (issue 6 §2). Each checks access first, lets the
 * running server's caches go (person-lifecycle.ts), removes the rows, rebuilds the database files
 * so freed pages are gone, and writes a tombstone to the system audit trail: ids only, never a
 * name or label. Crypto-shredding: destroying a person's wrapped data key in the system database
 * makes their vault undecryptable; rewriting the backup key escrow right after does the same for
 * every copy of it in a backup (ARCHITECTURE.md, Storage and keys).
 */
export interface DeletionOptions {
  /**
   * Runs after a person's deletion has committed: by default rewrites the backup key escrow in every
   * target from the data directory's backup config (backup/escrow-writer.ts), so no escrow keeps the
   * person's wrapped key. Returns the targets it could not rewrite (recorded as pending, never thrown).
   */
  afterPersonDeleted?: () => Promise<{ target: string; ok: boolean; problem?: string }[]>;
  /**
   * Ends a provider connection's grant at the provider (smart/provider-session.ts revoke, RFC 7009)
   * before its tokens are deleted; best effort, never throws. Without it (tests, a caller with no
   * outbound client) the tokens are deleted from Hearth only and expire at the provider.
   */
  revokeAtProvider?: (sourceId: string) => Promise<string>;
}

export function deletionService(instance: Instance, lifecycle: PersonLifecycle = personLifecycle(), options: DeletionOptions = {}) {
  const afterPersonDeleted = options.afterPersonDeleted ?? escrowAfterDeletion(instance, () => loadBackupConfig(instance.paths.root));
  const system = instance.system;
  const access = accessControl(system);
  const systemAudit = auditLog(system);
  const systemRows = systemDeletionRepository(system);
  const sources = sourcesRepository(system);
  const accounts = accountsRepository(system);

  const entry = (by: Requester, rest: Omit<AuditEntryInput, 'actor' | 'sourceAddress' | 'requestId'>): AuditEntryInput => ({
    actor: by.auditActor,
    ...rest,
    ...(by.sourceAddress ? { sourceAddress: by.sourceAddress } : {}),
    ...(by.requestId ? { requestId: by.requestId } : {}),
  });

  /** The access door; a refusal goes into the system trail (never the person's vault) and is the one 404. */
  function requireAccess(by: Requester, personId: string, action: AccessAction): void {
    try {
      access.requireAccess(by.actor, personId, action);
    } catch (error) {
      systemAudit.append(entry(by, { personId, action: action === 'delete' ? 'delete' : 'read', outcome: 'denied' }));
      throw error;
    }
  }

  /**
   * Vault files whose person is gone (a deletion interrupted between the key and the files):
   * unreadable, removed. Files younger than `minAgeMs` stay: adding a person creates the vault file
   * just before the person's row (people-service.ts), possibly in another process right now.
   */
  function removeOrphanVaults(minAgeMs = 60_000): number {
    let removed = 0;
    const known = new Set(instance.people.list().map((person) => person.id));
    for (const name of readdirSync(instance.paths.vaultsDir)) {
      const match = VAULT_FILE.exec(name);
      if (!match || known.has(match[1]!)) continue;
      const path = join(instance.paths.vaultsDir, name);
      if (Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) < minAgeMs) continue;
      rmSync(path, { force: true });
      removed++;
    }
    return removed;
  }

  return {
    listSources(by: Requester, personId: string): SourceSummary[] {
      requireAccess(by, personId, 'read');
      const vault = instance.people.openVault(personId);
      try {
        const counts = vaultSourceRepository(vault.db).recordCounts();
        auditLog(vault.db).append(entry(by, { personId, action: 'read', outcome: 'success', what: { query: 'list=sources' } }), { relaxed: true });
        return sources.listForPerson(personId).map((source) => ({
          id: source.id,
          kind: source.kind,
          label: source.label,
          createdAt: source.createdAt,
          records: counts.get(source.id) ?? 0,
        }));
      } finally {
        vault.close();
      }
    },

    /**
     * Removes every record that came from the source (a record with any version from it goes
     * whole, with all its versions: a later edit was made on that source's content), then the
     * source. With `personId` (HTTP) the source must be that person's, else the same 404 as a stranger's.
     */
    async deleteSource(by: Requester, sourceId: string, personId?: string): Promise<{ personId: string; records: number; providerRevocation?: string }> {
      if (personId !== undefined) requireAccess(by, personId, 'delete');
      const source = sources.get(sourceId);
      if (!source || (personId !== undefined && source.personId !== personId)) throw new HearthError('not-found', 'no such source');
      if (personId === undefined) requireAccess(by, source.personId, 'delete');
      const revocation = source.kind === 'provider' && options.revokeAtProvider ? await options.revokeAtProvider(sourceId) : undefined;
      await lifecycle.release(source.personId, 'delete-source');
      const vault = instance.people.openVault(source.personId);
      let records: number;
      try {
        records = vaultSourceRepository(vault.db).removeSource(sourceId);
        compact(vault.db);
        auditLog(vault.db).append(entry(by, { personId: source.personId, action: 'delete', outcome: 'success', what: { query: `deleted=source&source=${sourceId}&records=${records}` } }));
      } finally {
        vault.close();
      }
      systemRows.removeSource(sourceId);
      const revoked = revocation ? `&provider=${revocation}` : '';
      systemAudit.append(entry(by, { personId: source.personId, action: 'delete', outcome: 'success', what: { query: `deleted=source&source=${sourceId}${revoked}` } }));
      compact(system);
      return { personId: source.personId, records, ...(revocation ? { providerRevocation: revocation } : {}) };
    },

    /**
     * Removes a person: the wrapped data key, person row, grants, sources, links and invites naming
     * them (one transaction), then the vault file with its WAL and shared memory, then VACUUM. The
     * key goes first: if anything stops half-way, what is left is ciphertext with no key, and the
     * next deletion sweeps such files. `confirm` (the web app's typed name) must match exactly.
     */
    async deletePerson(by: Requester, personId: string, confirm?: string): Promise<{ escrowPending: string[] }> {
      requireAccess(by, personId, 'delete');
      if (confirm !== undefined && confirm.trim().normalize('NFC') !== instance.people.require(personId).name.normalize('NFC')) {
        throw new HearthError('invalid', "the confirmation does not match the person's name; nothing was deleted");
      }
      if (options.revokeAtProvider) {
        for (const source of sources.listForPerson(personId).filter((s) => s.kind === 'provider')) await options.revokeAtProvider(source.id);
      }
      await lifecycle.release(personId, 'delete-person');
      systemRows.removePerson(personId);
      const path = vaultPath(instance.paths, personId);
      for (const suffix of SQLITE_FILE_SUFFIXES) rmSync(`${path}${suffix}`, { force: true });
      removeOrphanVaults();
      systemAudit.append(entry(by, { personId, action: 'delete', outcome: 'success', what: { query: 'deleted=person' } }));
      compact(system);
      // Crypto-shredding reaches older backups only once no escrow holds the key (ARCHITECTURE.md).
      const escrows = await afterPersonDeleted();
      return { escrowPending: escrows.filter((e) => !e.ok).map((e) => e.target) };
    },

    /**
     * Removes an account with its sessions, grants, second factor, recovery codes and the invites it
     * made. People are never deleted with an account: the instance owner sees everyone, so nobody is
     * left without a keeper; deleting their records is a person deletion. The owner account goes
     * only when it is the last one (otherwise the others would be left without an owner).
     */
    deleteAccount(by: Requester, accountId: string): void {
      const account = accounts.byId(accountId);
      if (!account) throw new HearthError('not-found', 'no such account');
      if (account.isOwner && accounts.list().length > 1) {
        throw new HearthError('conflict', 'the instance owner cannot be deleted while other accounts exist; delete those first');
      }
      systemRows.removeAccount(accountId, account.username);
      systemAudit.append(entry(by, { action: 'delete', outcome: 'success', what: { query: `deleted=account&account=${accountId}` } }));
      compact(system);
    },

    removeOrphanVaults,
  };
}

export type DeletionService = ReturnType<typeof deletionService>;
