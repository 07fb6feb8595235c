// `npm run directory:build [folder]`: rebuilds the shipped provider directory
// (assets/directory/directory.json.gz) from the ONC Lantern endpoint lists, by default
// ../shared/data/endpoints, and copies their LICENSE and NOTICE.md beside it.
import { chmodSync, copyFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildDirectory } from '../src/directory/directory-build.ts';
import { SHIPPED_DIRECTORY, writeDirectoryFile } from '../src/directory/directory-file.ts';
import { readLists } from '../src/directory/lantern-lists.ts';

const folder = resolve(process.argv[2] ?? join(import.meta.dirname, '..', '..', 'shared', 'data', 'endpoints'));
const { lists, ignored } = readLists([folder]);
const { directory, stats } = buildDirectory(lists);
const bytes = writeDirectoryFile(SHIPPED_DIRECTORY, directory);
for (const name of ['LICENSE', 'NOTICE.md']) {
  if (!existsSync(join(folder, name))) throw new Error(`${folder} has no ${name}: the lists' licence must ship with the directory`);
  copyFileSync(join(folder, name), join(SHIPPED_DIRECTORY, '..', name));
  chmodSync(join(SHIPPED_DIRECTORY, '..', name), 0o644);
}
const skipped = lists.reduce((sum, list) => sum + list.skipped.length, 0);
console.log(`${lists.length} lists (${ignored.length} other files ignored): ${stats.listed} entries, ${stats.duplicatesRemoved} duplicates removed, ${skipped} skipped`);
console.log(`${stats.organizations} organisations, ${stats.endpoints} endpoints → ${SHIPPED_DIRECTORY} (${(bytes / 2 ** 20).toFixed(2)} MiB)`);
