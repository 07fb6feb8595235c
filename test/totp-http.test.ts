import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { apiServer } from './helpers/api-client.ts';

// The second factor and fresh re-authentication over real HTTP against a real encrypted instance.
// The server's clock is ours (AuthOptions.now): TOTP codes are computed for that clock.
const OWNER = { username: 'alice', password: 'correct horse battery' };
const LIMIT = 6;
const MINUTE = 60_000;
let clock = Date.parse('2026-03-01T08:00:00Z');

let server: Awaited<ReturnType<typeof apiServer>>;
let session: string;
let seed: string;
let recoveryCodes: string[];

const codeAt = (at: number) => TOTP.generate({ secret: Secret.fromBase32(seed), timestamp: at });
const failuresOf = (key: string) => (server.instance.system.prepare('SELECT COUNT(*) AS n FROM login_failures WHERE account_key = ?').get(key) as { n: number }).n;

beforeAll(async () => {
  server = await apiServer({ now: () => clock, maxFailuresPerHour: LIMIT, sleep: async () => undefined });
  const created = await server.call('POST', '/api/setup', { body: OWNER });
  expect(created.status).toBe(201);
  expect(created.json.account.totpEnabled).toBe(false);
  session = created.session!;
});
afterAll(() => server.close());

describe('fresh re-authentication', () => {
  it('counts a login as fresh for 5 minutes, then asks for the password again', async () => {
    clock += 5 * MINUTE;
    const stale = await server.call('POST', '/api/totp/setup', { cookie: session });
    expect(stale.status).toBe(401);
    expect(stale.json.error.code).toBe('reauth-required');
    expect((await server.call('GET', '/api/session', { cookie: session })).status).toBe(200); // the session itself lives on
  });

  it('refuses a wrong password (counted by the limiter) and stamps the session on the right one', async () => {
    const wrong = await server.call('POST', '/api/reauth', { cookie: session, body: { password: 'not my password' } });
    expect(wrong.status).toBe(403);
    expect(failuresOf('alice')).toBe(1);
    expect((await server.call('POST', '/api/reauth', { cookie: session, body: { password: OWNER.password }, csrf: false })).status).toBe(403);
    expect((await server.call('POST', '/api/reauth', { cookie: session, body: { password: OWNER.password } })).status).toBe(204);
    expect(failuresOf('alice')).toBe(0);
    clock += 4 * MINUTE;
    expect((await server.call('POST', '/api/reauth', { body: { password: OWNER.password } })).status).toBe(401); // needs a session
  });
});

describe('TOTP enrolment', () => {
  it('hands out a pending seed and an otpauth URI, stored sealed', async () => {
    expect((await server.call('POST', '/api/totp/setup', { cookie: session, csrf: false })).status).toBe(403);
    const setup = await server.call('POST', '/api/totp/setup', { cookie: session });
    expect(setup.status).toBe(200);
    seed = setup.json.secret;
    expect(seed).toMatch(/^[A-Z2-7]{32}$/); // 160 bits
    expect(setup.json.otpauthUri).toMatch(/^otpauth:\/\/totp\/Hearth:alice\?/);
    expect(setup.json.otpauthUri).toContain(`secret=${seed}`);
    const row = server.instance.system.prepare('SELECT sealed_seed FROM account_totp').get() as { sealed_seed: Buffer };
    expect(row.sealed_seed.toString('latin1')).not.toContain(seed);
    expect(row.sealed_seed.includes(Buffer.from(Secret.fromBase32(seed).bytes))).toBe(false);
    // Pending: sign-in does not ask for a code yet.
    expect((await server.call('GET', '/api/session', { cookie: session })).json.account.totpEnabled).toBe(false);
  });

  it('turns on with a right code and returns 10 single-use recovery codes', async () => {
    const wrong = await server.call('POST', '/api/totp/confirm', { cookie: session, body: { code: codeAt(clock + 10 * MINUTE) } });
    expect(wrong.status).toBe(400);
    const confirmed = await server.call('POST', '/api/totp/confirm', { cookie: session, body: { code: codeAt(clock) } });
    expect(confirmed.status).toBe(200);
    recoveryCodes = confirmed.json.recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
    expect(new Set(recoveryCodes).size).toBe(10);
    const stored = JSON.stringify(server.instance.system.prepare('SELECT * FROM recovery_codes').all());
    for (const code of recoveryCodes) expect(stored).not.toContain(code);
    expect((await server.call('GET', '/api/session', { cookie: session })).json.account.totpEnabled).toBe(true);
    expect((await server.call('POST', '/api/totp/setup', { cookie: session })).status).toBe(409); // already on
    expect((await server.call('POST', '/api/totp/confirm', { cookie: session, body: { code: codeAt(clock) } })).status).toBe(409);
  });
});

describe('sign-in with TOTP', () => {
  it('asks for a code after the right password, and answers a wrong code like a wrong password', async () => {
    clock += 30_000;
    const noCode = await server.call('POST', '/api/login', { body: OWNER });
    expect(noCode.status).toBe(401);
    expect(noCode.json.error.code).toBe('totp-required');
    expect(noCode.session).toBeUndefined();
    const wrongPassword = await server.call('POST', '/api/login', { body: { ...OWNER, password: 'wrong password here' } });
    const wrongPasswordWithCode = await server.call('POST', '/api/login', { body: { ...OWNER, password: 'wrong password here', code: codeAt(clock) } });
    const wrongCode = await server.call('POST', '/api/login', { body: { ...OWNER, code: '000000' === codeAt(clock) ? '111111' : '000000' } });
    expect(wrongCode.status).toBe(401);
    expect(wrongCode.text).toBe(wrongPassword.text);
    expect(wrongPasswordWithCode.text).toBe(wrongPassword.text);
    expect(failuresOf('alice')).toBe(4);
  });

  it('accepts a code once: the same code (or an older one) is refused afterwards', async () => {
    const code = codeAt(clock);
    const ok = await server.call('POST', '/api/login', { body: { ...OWNER, code } });
    expect(ok.status).toBe(200);
    expect(ok.json.account.totpEnabled).toBe(true);
    expect(failuresOf('alice')).toBe(0);
    session = ok.session!;
    expect((await server.call('POST', '/api/login', { body: { ...OWNER, code } })).status).toBe(401);
    // One step of drift either way is accepted, but never a step before the last one used.
    expect((await server.call('POST', '/api/login', { body: { ...OWNER, code: codeAt(clock - 30_000) } })).status).toBe(401);
    clock += 30_000;
    expect((await server.call('POST', '/api/login', { body: { ...OWNER, code: codeAt(clock + 30_000) } })).status).toBe(200);
    expect((await server.call('POST', '/api/login', { body: { ...OWNER, code: codeAt(clock) } })).status).toBe(401);
    clock += 60_000;
    expect((await server.call('POST', '/api/login', { body: { ...OWNER, code: codeAt(clock + 90_000) } })).status).toBe(401); // outside ±1 step
  });

  it('takes a recovery code once, in any case and with or without dashes', async () => {
    const typed = recoveryCodes[0]!.replaceAll('-', '').toUpperCase();
    const ok = await server.call('POST', '/api/login', { body: { ...OWNER, code: typed } });
    expect(ok.status).toBe(200);
    session = ok.session!;
    expect((await server.call('POST', '/api/login', { body: { ...OWNER, code: recoveryCodes[0] } })).status).toBe(401);
    expect((await server.call('POST', '/api/login', { body: { ...OWNER, code: recoveryCodes[1] } })).status).toBe(200);
  });

  it('counts wrong codes in the failed-login limit, then refuses even a right code', async () => {
    for (let i = 0; i < LIMIT; i += 1) {
      expect((await server.call('POST', '/api/login', { body: { ...OWNER, code: `99999${i}` === codeAt(clock) ? '888888' : `99999${i}` } })).status).toBe(401);
    }
    clock += 30_000;
    const limited = await server.call('POST', '/api/login', { body: { ...OWNER, code: codeAt(clock) } });
    expect(limited.status).toBe(429);
    clock += 61 * MINUTE;
    const again = await server.call('POST', '/api/login', { body: { ...OWNER, code: codeAt(clock) } });
    expect(again.status).toBe(200);
    session = again.session!;
  });

  it('asks for the code at re-authentication too', async () => {
    clock += 30_000;
    const noCode = await server.call('POST', '/api/reauth', { cookie: session, body: { password: OWNER.password } });
    expect(noCode.status).toBe(401);
    expect(noCode.json.error.code).toBe('totp-required');
    expect((await server.call('POST', '/api/reauth', { cookie: session, body: { password: OWNER.password, code: codeAt(clock) } })).status).toBe(204);
  });
});

describe('turning TOTP off', () => {
  it('needs the password, then sign-in asks for no code', async () => {
    expect((await server.call('POST', '/api/totp/disable', { cookie: session, body: { password: OWNER.password }, csrf: false })).status).toBe(403);
    expect((await server.call('POST', '/api/totp/disable', { cookie: session, body: { password: 'not the password' } })).status).toBe(403);
    expect((await server.call('GET', '/api/session', { cookie: session })).json.account.totpEnabled).toBe(true);
    expect((await server.call('POST', '/api/totp/disable', { cookie: session, body: { password: OWNER.password } })).status).toBe(204);
    expect((await server.call('GET', '/api/session', { cookie: session })).json.account.totpEnabled).toBe(false);
    expect(server.instance.system.prepare('SELECT COUNT(*) AS n FROM recovery_codes').get()).toEqual({ n: 0 });
    expect((await server.call('POST', '/api/login', { body: OWNER })).status).toBe(200);
  });
});

describe('audit trail', () => {
  it('records re-authentication, enrolment, recovery-code use and disabling, never a seed or a code', () => {
    const entries = auditLog(server.instance.system).list({ limit: 10_000 });
    const queries = entries.map((entry) => entry.what?.query ?? '');
    for (const change of ['change=reauth', 'change=totp-setup', 'change=totp-enable', 'change=totp-disable', 'factor=recovery-code']) {
      expect(queries.some((query) => query.startsWith(change)), change).toBe(true);
    }
    expect(entries.some((entry) => entry.what?.query === 'change=reauth' && entry.outcome === 'failure')).toBe(true);
    const all = JSON.stringify(entries);
    expect(all).not.toContain(seed);
    for (const code of recoveryCodes) expect(all).not.toContain(code.replaceAll('-', '').slice(0, 8));
    expect(all).not.toContain(OWNER.password);
  });
});
