import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { HearthError } from '../errors/hearth-error.ts';

/**
 * Where backup archives are kept. A directory (local disk, mounted USB or network disk) today;
 * object storage can implement the same calls later. Names are `<backup id>.age`; beside them one
 * key escrow, `keys/escrow.age` (escrow.ts), replaced whole.
 */
export interface BackupTarget {
  /** Human-readable location for the log ("/mnt/usb/hearth-backups"). */
  readonly location: string;
  /** Writes the archive under a temporary name and renames it once complete and on disk. */
  put(name: string, content: Readable): Promise<{ size: number; sha256: string }>;
  list(): Promise<string[]>;
  get(name: string): Readable;
  /** SHA-256 and size of a stored archive, undefined when it is missing. */
  stat(name: string): Promise<{ size: number; sha256: string } | undefined>;
  delete(name: string): Promise<void>;
  /** Replaces the key escrow (`keys/escrow.age`, backup/escrow.ts) whole: temporary name, fsync, rename. */
  putEscrow(content: Buffer): Promise<void>;
  /** The key escrow's bytes, undefined when there is none. */
  getEscrow(): Promise<Buffer | undefined>;
}

/** Where a directory target keeps its key escrow, relative to the target. */
export const ESCROW_PATH = join('keys', 'escrow.age');

const NAME = /^[0-9A-Za-z-]+\.age$/;

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new HearthError('invalid', `not a backup archive name: ${name}`);
}

export function sha256OfStream(stream: Readable): Promise<{ size: number; sha256: string }> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
    });
    stream.on('error', reject);
    stream.on('end', () => resolvePromise({ size, sha256: hash.digest('hex') }));
  });
}

export function directoryTarget(dir: string): BackupTarget {
  const root = resolve(dir);
  const ensure = () => mkdirSync(root, { recursive: true, mode: 0o700 });
  return {
    location: root,
    async put(name, content) {
      checkName(name);
      ensure();
      const final = join(root, name);
      const partial = `${final}.partial`;
      const hash = createHash('sha256');
      let size = 0;
      content.on('data', (chunk: Buffer) => {
        size += chunk.length;
        hash.update(chunk);
      });
      try {
        await pipeline(content, createWriteStream(partial, { mode: 0o600 }));
        // fsync before the rename so a power cut cannot leave a complete-looking but empty file.
        const fd = openSync(partial, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(partial, final);
      } catch (error) {
        rmSync(partial, { force: true });
        throw error;
      }
      return { size, sha256: hash.digest('hex') };
    },
    async list() {
      if (!existsSync(root)) return [];
      return readdirSync(root).filter((name) => NAME.test(name)).sort();
    },
    get(name) {
      checkName(name);
      const path = join(root, name);
      if (!existsSync(path)) throw new HearthError('not-found', `backup ${name} is not in ${root}`);
      return createReadStream(path);
    },
    async stat(name) {
      checkName(name);
      const path = join(root, name);
      if (!existsSync(path) || !statSync(path).isFile()) return undefined;
      return sha256OfStream(createReadStream(path));
    },
    async delete(name) {
      checkName(name);
      rmSync(join(root, name), { force: true });
    },
    async putEscrow(content) {
      const final = join(root, ESCROW_PATH);
      // Per process: a CLI deletion and the server's backup may rewrite the escrow at the same moment;
      // each writes its own file and the last rename wins, never a file half of one and half of the other.
      const partial = `${final}.${process.pid}.partial`;
      mkdirSync(dirname(final), { recursive: true, mode: 0o700 });
      try {
        writeFileSync(partial, content, { mode: 0o600 });
        fsyncPath(partial);
        // The rename replaces the old escrow at once: a reader sees the old or the new file, whole.
        renameSync(partial, final);
        fsyncPath(dirname(final));
      } catch (error) {
        rmSync(partial, { force: true });
        throw error;
      }
    },
    async getEscrow() {
      const path = join(root, ESCROW_PATH);
      return existsSync(path) ? readFileSync(path) : undefined;
    },
  };
}
