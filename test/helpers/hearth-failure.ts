import { expect } from 'vitest';
import { HearthError } from '../../src/errors/hearth-error.ts';

/** Awaits a promise that must fail with Hearth's one error type, and returns that error for its code and message. */
export async function hearthFailure(promise: Promise<unknown>): Promise<HearthError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HearthError);
  return error as HearthError;
}
