import { asHearthError, isHearthError } from '../errors/hearth-error.ts';

/** How a command talks back: `--json` gives one JSON document on stdout, otherwise readable text. */
export interface Output {
  json: boolean;
  /** The command's result: printed as JSON with --json, else through `human`. */
  result(value: unknown, human: () => string): void;
  /** Progress and notes for people: stderr, never in --json stdout. */
  note(text: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
    note(text) {
      process.stderr.write(`${text}\n`);
    },
  };
}

/**
 * Prints an error as one line (never a stack trace) and gives the exit code: 1 for the user's
 * input, 2 for our own failure. HEARTH_DEBUG=1 adds the stack for developers.
 */
export function reportError(error: unknown, json: boolean): 1 | 2 {
  const failure = asHearthError(error);
  const message = isHearthError(error) ? failure.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: { code: failure.code, message, issues: failure.issues } }, null, 2)}\n`);
  } else {
    process.stderr.write(`hearth: ${message.split('\n')[0]}\n`);
  }
  if (process.env.HEARTH_DEBUG === '1') process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  return failure.exitCode;
}

/** A plain fixed-width table for terminal output. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
