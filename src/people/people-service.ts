import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { HearthError } from '../errors/hearth-error.ts';
import { randomKey, unwrapKey, wrapKey } from '../keys/key-derivation.ts';
import { openVault, type Vault } from '../vault/vault.ts';
import type { Person, PeopleRepository } from './people-repository.ts';

export interface PeopleServiceDeps {
  repository: PeopleRepository;
  /** Key-encryption key for data keys, derived from the master key. */
  kek: Buffer;
  vaultPathOf: (personId: string) => string;
}

const keyContext = (personId: string) => `hearth/person/${personId}`;

/** People and their vaults: creating a person creates their data key and their encrypted vault. */
export function peopleService({ repository, kek, vaultPathOf }: PeopleServiceDeps) {
  return {
    add(name: string): Person {
      const trimmed = name.trim();
      if (trimmed === '') throw new HearthError('invalid', 'a person needs a name');
      if (trimmed.length > 200) throw new HearthError('invalid', 'a name is at most 200 characters');
      const person: Person = { id: randomUUID(), name: trimmed, createdAt: new Date().toISOString() };
      const dataKey = randomKey();
      const path = vaultPathOf(person.id);
      openVault(path, person.id, dataKey, { create: true }).close();
      try {
        repository.insert(person, wrapKey(kek, dataKey, keyContext(person.id)));
      } catch (error) {
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
        throw error;
      }
      return person;
    },
    /**
     * The person an outside identity stands for (a Patient id in an export, a demo family member),
     * added the first time it is seen: importing the same family twice finds the same people.
     */
    linkedPerson(link: string, name: string): Person {
      const linked = repository.linkedPersonId(link);
      if (linked) return this.require(linked);
      const person = this.add(name);
      repository.link(link, person.id);
      return person;
    },
    list: () => repository.list(),
    require(personId: string): Person {
      const person = repository.get(personId);
      if (!person) throw new HearthError('not-found', `no person with id ${personId}`);
      return person;
    },
    openVault(personId: string): Vault {
      const wrapped = repository.wrappedKey(personId);
      if (wrapped === undefined) throw new HearthError('not-found', `no person with id ${personId}`);
      if (wrapped === null) throw new HearthError('not-found', `the records of person ${personId} were deleted`);
      return openVault(vaultPathOf(personId), personId, unwrapKey(kek, wrapped, keyContext(personId)));
    },
  };
}

export type PeopleService = ReturnType<typeof peopleService>;
