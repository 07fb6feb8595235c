import { createHash, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { HearthError } from '../errors/hearth-error.ts';
import { openSecret, sealSecret } from '../keys/sealed-secret.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { totpRepository } from './totp-repository.ts';

/** RFC 6238 defaults, which every authenticator app understands: HMAC-SHA1, 6 digits, 30 s steps. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** RFC 6238 §5.2: accept one step either side for clock drift and slow typing. */
const WINDOW = 1;
/** RFC 4226 §4 R6 recommends a 160-bit shared secret. */
const SEED_BYTES = 20;
export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32 alphabet (no i, l, o, u): 5 bits a character, easy to read aloud and type. */
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** Three groups of four characters: 60 random bits, `xxxx-xxxx-xxxx`. */
const RECOVERY_LENGTH = 12;
const TOTP_CODE = /^\d{6}$/;

export interface TotpSetup {
  /** The base32 seed, shown once for manual entry; stored only sealed. */
  secret: string;
  otpauthUri: string;
}

/** What a code proved: a TOTP code, or one of the recovery codes (with how many are left). */
export type CodeCheck = { ok: false } | { ok: true; kind: 'totp' } | { ok: true; kind: 'recovery'; remaining: number };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A recovery code as typed (any case, spaces or dashes anywhere) in its one canonical form, or undefined. */
export function normaliseRecoveryCode(typed: string): string | undefined {
  const bare = typed.toLowerCase().replace(/[\s-]/g, '');
  if (bare.length !== RECOVERY_LENGTH || [...bare].some((char) => !RECOVERY_ALPHABET.includes(char))) return undefined;
  return `${bare.slice(0, 4)}-${bare.slice(4, 8)}-${bare.slice(8)}`;
}

function newRecoveryCode(): string {
  let bare = '';
  for (let i = 0; i < RECOVERY_LENGTH; i += 1) bare += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return normaliseRecoveryCode(bare)!;
}

export interface TotpDeps {
  db: SqliteDatabase;
  /** The 'totp-seed' key derived from the master key. */
  sealKey: Buffer;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

/**
 * The optional second factor (SECURITY.md: RFC 6238, each code usable once; recovery codes hashed,
 * single use). The HMAC and base32 are the otpauth library's; Hearth only keeps the seed sealed
 * and remembers the last accepted time-step.
 */
export function totpService({ db, sealKey, now = Date.now }: TotpDeps) {
  const repository = totpRepository(db);
  const totpOf = (accountId: string, sealed: Buffer) => {
    const seed = openSecret(sealKey, sealed, accountId);
    return new TOTP({ secret: new Secret({ buffer: seed.buffer.slice(seed.byteOffset, seed.byteOffset + seed.byteLength) }), digits: DIGITS, period: PERIOD_SECONDS });
  };
  /** The RFC 6238 time-step the code matched, or undefined. */
  const matchedStep = (accountId: string, sealed: Buffer, code: string): number | undefined => {
    if (!TOTP_CODE.test(code)) return undefined;
    const totp = totpOf(accountId, sealed);
    const at = now();
    const delta = totp.validate({ token: code, timestamp: at, window: WINDOW });
    return delta === null ? undefined : totp.counter({ timestamp: at }) + delta;
  };

  return {
    /** True once a second factor was confirmed: sign-in then asks for a code. */
    isEnabled: (accountId: string): boolean => repository.get(accountId)?.confirmedAt != null,

    /** A new seed, pending until confirmed with a code from it. Refused while TOTP is on. */
    begin(accountId: string, username: string): TotpSetup {
      if (repository.get(accountId)?.confirmedAt != null) throw new HearthError('conflict', 'the second factor is already on; turn it off first');
      const secret = new Secret({ size: SEED_BYTES });
      repository.putPending(accountId, sealSecret(sealKey, secret.bytes, accountId), now());
      const totp = new TOTP({ issuer: 'Hearth', label: username, secret, digits: DIGITS, period: PERIOD_SECONDS });
      return { secret: secret.base32, otpauthUri: totp.toString() };
    },

    /** Turns TOTP on with a code from the pending seed; returns the recovery codes, shown this once. */
    confirm(accountId: string, code: string): string[] {
      const current = repository.get(accountId);
      const pendingGone = () => new HearthError('conflict', 'no second factor is waiting for confirmation; start with POST /api/totp/setup');
      if (!current || current.confirmedAt != null) throw pendingGone();
      const step = matchedStep(accountId, current.sealedSeed, code);
      if (step === undefined) throw new HearthError('invalid', 'that code does not match; check the clock of the device and try the next code');
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
      if (!repository.confirm(accountId, now(), step, codes.map(sha256))) throw pendingGone();
      return codes;
    },

    /**
     * Checks a second-factor code at sign-in: a 6-digit TOTP code (not used before) or an unused
     * recovery code, which is then spent. Always `ok: true` for an account without TOTP.
     */
    check(accountId: string, code: string): CodeCheck {
      const current = repository.get(accountId);
      if (!current || current.confirmedAt == null) return { ok: true, kind: 'totp' };
      const trimmed = code.trim();
      const step = matchedStep(accountId, current.sealedSeed, trimmed);
      if (step !== undefined) return repository.advanceStep(accountId, step) ? { ok: true, kind: 'totp' } : { ok: false };
      const recovery = normaliseRecoveryCode(trimmed);
      if (recovery === undefined || !repository.useCode(accountId, sha256(recovery), now())) return { ok: false };
      return { ok: true, kind: 'recovery', remaining: repository.unusedCodes(accountId) };
    },

    /** Removes the seed and the recovery codes; false when there was nothing to remove. */
    disable: (accountId: string): boolean => repository.delete(accountId),
  };
}

export type TotpService = ReturnType<typeof totpService>;
