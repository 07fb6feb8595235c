import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempInstance } from '../../test/helpers/temp-instance.ts';
import { accountsOf } from './accounts-service.ts';
import { normaliseRecoveryCode, totpService } from './totp.ts';

let instance: Awaited<ReturnType<typeof tempInstance>>;
let clock = Date.parse('2026-03-01T08:00:00Z');
const service = () => totpService({ db: instance.system, sealKey: instance.totpSeedKey, now: () => clock });

beforeAll(async () => {
  instance = await tempInstance();
});
afterAll(() => instance.dispose());

describe('recovery code form', () => {
  it('reads any case, spaces and dashes, and refuses letters outside Crockford base32 or a wrong length', () => {
    expect(normaliseRecoveryCode(' AB12 cd34-EF56 ')).toBe('ab12-cd34-ef56');
    expect(normaliseRecoveryCode('ab12cd34ef5')).toBeUndefined();
    expect(normaliseRecoveryCode('ab12-cd34-ef5i')).toBeUndefined();
    expect(normaliseRecoveryCode('ab12-cd34-ef5u')).toBeUndefined();
  });
});

describe('TOTP service', () => {
  it('does not take the confirming code again at sign-in, and binds each sealed seed to its account', async () => {
    const accounts = accountsOf(instance.system);
    const ann = await accounts.addAccount('ann', 'ann has a long password');
    const ben = await accounts.addAccount('ben', 'ben has a long password');
    const totp = service();
    const seeds = [ann, ben].map((account) => totp.begin(account.id, account.username).secret);
    const code = (secret: string) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock });
    expect(totp.check(ann.id, '000000')).toEqual({ ok: true, kind: 'totp' }); // pending: not asked yet
    expect(totp.confirm(ann.id, code(seeds[0]!))).toHaveLength(10);
    expect(totp.check(ann.id, code(seeds[0]!))).toEqual({ ok: false });
    clock += 30_000;
    expect(totp.check(ann.id, code(seeds[0]!))).toEqual({ ok: true, kind: 'totp' });

    // A sealed seed copied onto another account's row no longer opens (AES-GCM AAD = account id).
    instance.system.prepare('UPDATE account_totp SET sealed_seed = (SELECT sealed_seed FROM account_totp WHERE account_id = ?) WHERE account_id = ?').run(ann.id, ben.id);
    expect(() => totp.confirm(ben.id, code(seeds[0]!))).toThrow(/does not open/);
  });
});
