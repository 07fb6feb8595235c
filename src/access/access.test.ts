import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { accountsOf } from '../accounts/accounts-service.ts';
import { HearthError } from '../errors/hearth-error.ts';
import { ACCESS_ACTIONS, accessControl, NOT_FOUND_MESSAGE, type AccessAction, type AccessControl, type Actor } from './access.ts';

const PASSWORD = 'ember-lantern-quiet';
const READS: AccessAction[] = ['read', 'search'];
const MANAGES: AccessAction[] = ['read', 'search', 'write'];

let instance: Awaited<ReturnType<typeof tempInstance>>;
let access: AccessControl;
let people: string[];
/** Each actor with the actions it should have for each of the three people, written out by hand. */
let cases: { name: string; actor: Actor; expected: AccessAction[][] }[];

beforeAll(async () => {
  instance = await tempInstance();
  access = accessControl(instance.system);
  const accounts = accountsOf(instance.system);
  people = ['Ada', 'Ben', 'Cleo'].map((name) => instance.people.add(name).id);
  const [ada, ben, cleo] = people as [string, string, string];
  const account = async (username: string, owner = false) => (owner ? accounts.createOwner(username, PASSWORD) : accounts.addAccount(username, PASSWORD));
  const root = await account('root', true);
  const parent = await account('parent');
  accounts.grant(parent.id, ada, 'owner');
  accounts.grant(parent.id, ben, 'viewer');
  const carer = await account('carer');
  accounts.grant(carer.id, ben, 'manager');
  const grandma = await account('grandma');
  accounts.grant(grandma.id, cleo, 'viewer');
  const stranger = await account('stranger');
  const former = await account('former');
  accounts.grant(former.id, ada, 'owner');
  accounts.grant(former.id, ben, 'manager');
  accounts.disable('former');
  cases = [
    { name: 'instance owner', actor: { kind: 'account', accountId: root.id }, expected: [[...ACCESS_ACTIONS], [...ACCESS_ACTIONS], [...ACCESS_ACTIONS]] },
    { name: 'owner grant (+ viewer of Ben)', actor: { kind: 'account', accountId: parent.id }, expected: [[...ACCESS_ACTIONS], READS, []] },
    { name: 'manager grant', actor: { kind: 'account', accountId: carer.id }, expected: [[], MANAGES, []] },
    { name: 'viewer grant', actor: { kind: 'account', accountId: grandma.id }, expected: [[], [], READS] },
    { name: 'account without grants', actor: { kind: 'account', accountId: stranger.id }, expected: [[], [], []] },
    { name: 'disabled account with grants', actor: { kind: 'account', accountId: former.id }, expected: [[], [], []] },
    { name: 'unknown account id', actor: { kind: 'account', accountId: 'no-such-account' }, expected: [[], [], []] },
    { name: 'cli operator', actor: { kind: 'cli' }, expected: [[...ACCESS_ACTIONS], [...ACCESS_ACTIONS], [...ACCESS_ACTIONS]] },
  ];
});
afterAll(() => instance.dispose());

function outcome(actor: Actor, personId: string, action: AccessAction): 'allow' | string {
  try {
    access.requireAccess(actor, personId, action);
    return 'allow';
  } catch (error) {
    expect(error).toBeInstanceOf(HearthError);
    const refused = error as HearthError;
    expect(refused.code).toBe('not-found');
    expect(refused.status).toBe(404);
    expect(refused.issues).toEqual([]);
    return refused.message;
  }
}

describe('requireAccess: the generated matrix', () => {
  it('allows exactly the expected actions and nothing else (0 leaks)', () => {
    let checked = 0;
    const leaks: string[] = [];
    const wrongRefusals: string[] = [];
    for (const { name, actor, expected } of cases) {
      people.forEach((personId, index) => {
        for (const action of ACCESS_ACTIONS) {
          const allowed = expected[index]!.includes(action);
          const result = outcome(actor, personId, action);
          checked++;
          if (result === 'allow' && !allowed) leaks.push(`${name} ${action} person ${index}`);
          if (result !== 'allow' && allowed) wrongRefusals.push(`${name} ${action} person ${index}`);
          if (result !== 'allow') {
            expect(result).toBe(NOT_FOUND_MESSAGE);
            expect(result).not.toContain(personId);
          }
        }
        expect([...access.allowedActions(actor, personId)].sort()).toEqual([...expected[index]!].sort());
      });
    }
    expect(checked).toBe(cases.length * 3 * ACCESS_ACTIONS.length);
    expect(leaks).toEqual([]);
    expect(wrongRefusals).toEqual([]);
  });

  it('answers a missing person exactly as a forbidden one, for every actor', () => {
    const [ada] = people as [string];
    const stranger = cases.find((c) => c.name === 'account without grants')!.actor;
    const forbidden = outcome(stranger, ada, 'read');
    for (const { actor } of cases) {
      for (const action of ACCESS_ACTIONS) expect(outcome(actor, 'no-such-person', action)).toBe(forbidden);
    }
    expect(forbidden).toBe('no such person');
  });

  it('lists the people an actor may read, and no one else', () => {
    for (const { name, actor, expected } of cases) {
      const visible = access.visiblePeople(actor).map((person) => person.id);
      const readable = people.filter((_, index) => expected[index]!.includes('read'));
      expect(visible, name).toEqual(readable);
    }
  });

  it('follows grants as they change (nothing cached)', async () => {
    const accounts = accountsOf(instance.system);
    const late = await accounts.addAccount('late', PASSWORD);
    const actor: Actor = { kind: 'account', accountId: late.id };
    const [ada] = people as [string];
    expect(outcome(actor, ada, 'read')).toBe(NOT_FOUND_MESSAGE);
    accounts.grant(late.id, ada, 'viewer');
    expect(outcome(actor, ada, 'read')).toBe('allow');
    expect(outcome(actor, ada, 'write')).toBe(NOT_FOUND_MESSAGE);
    accounts.revoke(late.id, ada);
    expect(outcome(actor, ada, 'read')).toBe(NOT_FOUND_MESSAGE);
  });
});
