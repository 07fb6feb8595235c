import { createRequire } from 'node:module';
import { hash, parseOptions, verify, type Algorithm, type Options } from '@node-rs/argon2';
import { HearthError } from '../errors/hearth-error.ts';

/**
 * argon2id at the OWASP ASVS 5.0 Appendix C minimum: m = 19 MiB, t = 2, p = 1. Raising these makes
 * every stored hash below them `needsRehash`, and the next successful login stores a new one.
 */
export const ARGON2_PARAMS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

// `Algorithm` is a const enum in @node-rs/argon2's typings, which erasable TypeScript cannot read;
// 2 is Argon2id there.
const ARGON2ID = 2 as Algorithm;
const HASH_OPTIONS: Options = { ...ARGON2_PARAMS, algorithm: ARGON2ID };

/** ASVS 5.0 V6.2.1 (at least 8) and V6.2.9 (at least 64 allowed); 128 leaves room for passphrases. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * A hash of a random, forgotten password with the current parameters. Logging in as an unknown
 * user verifies against it, so the answer takes as long as a wrong password for a real one
 * (passwords.test.ts checks it still carries ARGON2_PARAMS).
 */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$drmYcdeQv3/mO/ni6w5wwQ$N2NCoeUZNjJu968npXbW89z+ok5zfpg+OMiQm8M+px0';

let commonPasswords: Set<string> | undefined;

/**
 * The "passwords-common" list of @zxcvbn-ts/language-common (MIT; about 49,000 leaked passwords,
 * all lower case), loaded on first use: bundled, so the check works offline (SECURITY.md).
 */
function commonPasswordSet(): Set<string> {
  if (!commonPasswords) {
    const require = createRequire(import.meta.url);
    const { dictionary } = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    commonPasswords = new Set(dictionary['passwords-common']);
  }
  return commonPasswords;
}

export function isCommonPassword(password: string): boolean {
  return commonPasswordSet().has(password.toLowerCase());
}

/**
 * ASVS 5.0 V6.2: length only, no composition rules, and not a known common password. The reason
 * is given; the password itself never is.
 */
export function checkPasswordPolicy(password: string): void {
  // Characters, not UTF-16 units: a passphrase with emoji is not penalised.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) throw new HearthError('invalid', `a password needs at least ${PASSWORD_MIN_LENGTH} characters`);
  if (length > PASSWORD_MAX_LENGTH) throw new HearthError('invalid', `a password may have at most ${PASSWORD_MAX_LENGTH} characters`);
  if (isCommonPassword(password)) throw new HearthError('invalid', 'that password is on the list of commonly used passwords; choose another');
}

/** The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), with a fresh random salt. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, HASH_OPTIONS);
}

export interface PasswordCheck {
  ok: boolean;
  /** The stored hash is weaker than ARGON2_PARAMS (or not argon2id): store a new one. */
  needsRehash: boolean;
}

export function needsRehash(stored: string): boolean {
  try {
    const used = parseOptions(stored);
    return (
      used.algorithm !== ARGON2ID ||
      used.memoryCost < ARGON2_PARAMS.memoryCost ||
      used.timeCost < ARGON2_PARAMS.timeCost ||
      used.parallelism < ARGON2_PARAMS.parallelism
    );
  } catch {
    return true;
  }
}

export async function verifyPassword(stored: string, password: string): Promise<PasswordCheck> {
  let ok: boolean;
  try {
    ok = await verify(stored, password);
  } catch {
    // A malformed stored hash matches nothing.
    ok = false;
  }
  return { ok, needsRehash: ok && needsRehash(stored) };
}
