import { HearthError } from '../../errors/hearth-error.ts';
import type { ReadLimits } from './limits.ts';

/**
 * JSON.parse behind the input caps of SECURITY.md ("Input"): nesting depth, string size, and the keys
 * that reach object prototypes. Every rejection is a HearthError whose message describes the problem
 * only; the caller prefixes the file and line or entry.
 */

export type JsonLimits = Pick<ReadLimits, 'maxJsonDepth' | 'maxStringBytes'>;

// Keys that turn into prototype pollution once an object is merged or spread somewhere downstream.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses one FHIR resource. The top level must be an object with a string `resourceType`; whether the
 * type exists in FHIR is left to validation further down the pipeline.
 */
export function parseJsonGuarded(text: string, limits: JsonLimits): Record<string, unknown> {
  const value = parseJsonValueGuarded(text, limits);
  return asResource(value, 'the top level');
}

/** Parses any JSON value under the caps (depth, string size, forbidden keys). */
export function parseJsonValueGuarded(text: string, limits: JsonLimits): unknown {
  checkBeforeParsing(text, limits);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HearthError('invalid', `not valid JSON (${describeSyntaxError(error)})`);
  }
  checkParsedValue(value, limits, 1, '');
  return value;
}

/** Requires a JSON object with a non-empty string resourceType. `what` names it in the message. */
export function asResource(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = describeKind(value);
    throw new HearthError('invalid', `${what} must be a JSON object (a FHIR resource), not ${kind}`, [
      { message: `expected a FHIR resource, found ${kind}` },
    ]);
  }
  const resource = value as Record<string, unknown>;
  const resourceType = resource['resourceType'];
  if (typeof resourceType !== 'string' || resourceType === '') {
    const found = resourceType === undefined ? 'missing' : resourceType === '' ? 'empty' : describeKind(resourceType);
    throw new HearthError('invalid', `resourceType must be a non-empty string (it is ${found})`, [
      { expression: 'resourceType', message: `resourceType is ${found}` },
    ]);
  }
  return resource;
}

/**
 * Server-owned fields are never taken from input (SECURITY.md, "Input"): `meta.versionId` and
 * `meta.lastUpdated` describe *our* copy (its version history and write time), so a file may not set
 * them — a forged lastUpdated would reorder history and defeat conflict checks. Other meta (profile,
 * security labels, tags, source) is the record's own and stays. Contained resources get the same.
 */
export function stripServerOwnedMeta(resource: Record<string, unknown>): void {
  stripMeta(resource);
  const contained = resource['contained'];
  if (Array.isArray(contained)) {
    for (const inner of contained) {
      if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) stripMeta(inner as Record<string, unknown>);
    }
  }
}

function stripMeta(resource: Record<string, unknown>): void {
  const meta = resource['meta'];
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return;
  const record = meta as Record<string, unknown>;
  delete record['versionId'];
  delete record['lastUpdated'];
  if (Object.keys(record).length === 0) delete resource['meta'];
}

/**
 * One pass over the text before JSON.parse builds anything: bracket depth outside strings (10,000
 * nested arrays are refused after reading 65 characters, with no allocation and no recursion), and
 * strings that are certainly too large (a 50 MB string is refused without parsing it). Strings are
 * skipped with indexOf, so the pass costs little next to JSON.parse itself.
 */
function checkBeforeParsing(text: string, limits: JsonLimits): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = endOfString(text, i);
      checkRawString(text, i + 1, end, limits.maxStringBytes);
      i = end;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > limits.maxJsonDepth) throw new HearthError('too-large', `JSON nested deeper than ${limits.maxJsonDepth} levels`);
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
}

/** Index of the quote closing the string opened at `start` (or the text length if unterminated). */
function endOfString(text: string, start: number): number {
  let at = start;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

// Refuses, before parsing, only strings that are certainly too large: longer than the cap with no
// escapes (each character is at least one byte), or more than six times it (`\uXXXX` is six characters
// for one). Anything closer is measured exactly after parsing, where its path can be named.
function checkRawString(text: string, start: number, end: number, maxBytes: number): void {
  const length = end - start;
  if (length <= maxBytes) return;
  if (length > maxBytes * 6 || !text.slice(start, end).includes('\\')) {
    throw new HearthError('too-large', `a string is larger than ${formatBytes(maxBytes)}`);
  }
}

/** Walks the parsed value (depth already bounded, so recursion is safe) for string sizes and keys. */
function checkParsedValue(value: unknown, limits: JsonLimits, depth: number, path: string): void {
  if (typeof value === 'string') {
    // A UTF-8 byte count is at least the UTF-16 length, so only long strings need the exact count.
    if (value.length > limits.maxStringBytes / 3 && Buffer.byteLength(value, 'utf8') > limits.maxStringBytes) {
      throw new HearthError('too-large', `a string${at(path)} is larger than ${formatBytes(limits.maxStringBytes)}`, [
        { expression: path || undefined, message: 'string too large' },
      ]);
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth > limits.maxJsonDepth) throw new HearthError('too-large', `JSON nested deeper than ${limits.maxJsonDepth} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkParsedValue(value[i], limits, depth + 1, `${path}[${i}]`);
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new HearthError('invalid', `forbidden key "${key}"${at(path)}`, [{ expression: path || undefined, message: `forbidden key ${key}` }]);
    }
    const child = path ? `${path}.${key}` : key;
    checkParsedValue((value as Record<string, unknown>)[key], limits, depth + 1, child);
  }
}

function describeKind(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function at(path: string): string {
  return path ? ` at ${path}` : '';
}

/** V8 quotes a slice of the input in some messages; keep only the kind and position of the error. */
function describeSyntaxError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const token = /^Unexpected token '(.)',/.exec(message);
  if (token) return `unexpected character '${token[1]}'`;
  if (/^Unexpected end of JSON input/.test(message)) return 'unexpected end of input';
  if (/is not valid JSON/.test(message)) return 'syntax error';
  const located = /^(.{1,100}?)(?: in JSON)? at (position \d+)/.exec(message);
  if (located) return `${located[1]!.charAt(0).toLowerCase()}${located[1]!.slice(1)} at ${located[2]}`;
  return 'syntax error';
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`;
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
