import { readFileSync } from 'node:fs';

/** The version in package.json: one number for the CLI, the server and what Hearth writes. */
export const HEARTH_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
