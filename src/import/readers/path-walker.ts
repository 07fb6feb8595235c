import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HearthError } from '../../errors/hearth-error.ts';

/** Extensions a folder walk picks up; everything else in a folder (READMEs, licences) is left alone. */
const KNOWN_EXTENSIONS = /\.(ndjson|jsonl|ndjson\.gz|jsonl\.gz|json|xml|zip)$/i;

export function hasKnownExtension(path: string): boolean {
  return KNOWN_EXTENSIONS.test(path);
}

/**
 * The files to import from a user-supplied path: the file itself, or every file with a known extension
 * under a folder, recursively, in a stable order (names sorted by code unit at each level, so two runs
 * over the same tree read the same files in the same order). Hidden files and folders are skipped;
 * symbolic links to files are followed, links to folders are not (they could loop).
 */
export async function* walkImportPath(path: string): AsyncGenerator<string> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new HearthError('not-found', `no such file or folder: ${path}`);
    if (code === 'EACCES' || code === 'EPERM') throw new HearthError('forbidden', `permission denied: ${path}`);
    throw error;
  }
  if (info.isDirectory()) yield* walkFolder(path);
  else yield path;
}

async function* walkFolder(folder: string): AsyncGenerator<string> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      yield* walkFolder(path);
    } else if (entry.isFile()) {
      if (hasKnownExtension(entry.name)) yield path;
    } else if (entry.isSymbolicLink() && hasKnownExtension(entry.name)) {
      const target = await stat(path).catch(() => undefined);
      if (target?.isFile()) yield path;
    }
  }
}
