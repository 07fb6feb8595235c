import { existsSync, statSync } from 'node:fs';
import { buildDirectory, type BuildStats } from './directory-build.ts';
import { dataDirDirectory, readDirectoryFile, SHIPPED_DIRECTORY, writeDirectoryFile } from './directory-file.ts';
import { buildDirectoryIndex, type DirectoryIndex, type DirectoryQuery, type DirectorySearchResult } from './directory-search.ts';
import { readLists, type VendorName } from './lantern-lists.ts';

export interface DirectoryOrigin {
  path: string;
  origin: 'data-dir' | 'shipped';
}

/** The directory in use: the data directory's imported copy when there is one, else the shipped one. */
export function directoryOrigin(dataDir: string, shipped = SHIPPED_DIRECTORY): DirectoryOrigin {
  const imported = dataDirDirectory(dataDir);
  return existsSync(imported) ? { path: imported, origin: 'data-dir' } : { path: shipped, origin: 'shipped' };
}

export interface DirectoryService {
  search(query: DirectoryQuery): DirectorySearchResult;
  /** Loads (if needed) and tells what is loaded. */
  info(): DirectoryOrigin & { builtAt: string; organizations: number };
}

export interface DirectoryServiceOptions {
  /** Where the shipped directory is (tests point it elsewhere). */
  shipped?: string;
}

/**
 * The directory for a data directory, loaded at first use (not at start: most requests never need
 * it). Each use checks, with one stat, whether `hearth directory import` replaced the file since,
 * so a running server picks up an import without a restart.
 */
export function directoryService(dataDir: string, options: DirectoryServiceOptions = {}): DirectoryService {
  let loaded: { origin: DirectoryOrigin; version: string; builtAt: string; index: DirectoryIndex } | undefined;
  const current = () => {
    const origin = directoryOrigin(dataDir, options.shipped);
    const stat = statSync(origin.path);
    const version = `${origin.path}\n${stat.mtimeMs}\n${stat.size}\n${stat.ino}`;
    if (loaded?.version !== version) {
      const directory = readDirectoryFile(origin.path);
      loaded = { origin, version, builtAt: directory.builtAt, index: buildDirectoryIndex(directory) };
    }
    return loaded;
  };
  return {
    search: (query) => current().index.search(query),
    info() {
      const { origin, builtAt, index } = current();
      return { ...origin, builtAt, organizations: index.size };
    },
  };
}

export interface DirectoryImportReport {
  /** `replace`: a whole folder became the directory; `update`: the given lists replaced their earlier copies. */
  mode: 'replace' | 'update';
  path: string;
  bytes: number;
  files: { file: string; vendor: string; endpoints: number; skipped: number; firstSkipReason?: string }[];
  ignored: string[];
  stats: BuildStats;
}

/**
 * `hearth directory import`: reads and checks every list first, builds the new directory, then
 * replaces `<data dir>/directory/directory.json.gz` atomically. Any bad file stops it before a byte
 * is written, so the directory in use stays as it was.
 */
export function importDirectory(dataDir: string, paths: string[], options: { now?: Date; shipped?: string } = {}): DirectoryImportReport {
  const origin = directoryOrigin(dataDir, options.shipped);
  // Single lists update the directory in use; their vendor names may come from it.
  const base = paths.some((path) => !isFolder(path)) ? readDirectoryFile(origin.path) : undefined;
  const known = new Map<string, VendorName>((base?.sources ?? []).map((source) => [source.file, { vendor: source.vendor, aggregator: source.aggregator }]));
  const read = readLists(paths, known);
  const { directory, stats } = buildDirectory(read.lists, { ...(base && !read.complete ? { base } : {}), ...(options.now ? { now: options.now } : {}) });
  const path = dataDirDirectory(dataDir);
  const bytes = writeDirectoryFile(path, directory);
  return {
    mode: read.complete ? 'replace' : 'update',
    path,
    bytes,
    files: read.lists.map((list) => ({
      file: list.source,
      vendor: list.vendor,
      endpoints: list.endpoints.length,
      skipped: list.skipped.length,
      ...(list.skipped[0] ? { firstSkipReason: `entry ${list.skipped[0].index}: ${list.skipped[0].reason}` } : {}),
    })),
    ignored: read.ignored,
    stats,
  };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
