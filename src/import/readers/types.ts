import { isHearthError } from '../../errors/hearth-error.ts';

/** Where an item came from, precise enough for a user to open the file and find it. */
export interface ItemLocation {
  /** The path as given; inside a zip, `archive.zip!inner/path.ndjson`. */
  file: string;
  /** 1-based NDJSON line. */
  line?: number;
  /** 0-based Bundle entry index. */
  entry?: number;
}

export type ImportItem =
  | {
      kind: 'resource';
      location: ItemLocation;
      resource: Record<string, unknown>;
      fullUrl?: string;
      /** The item's length in the input (an NDJSON line), when the reader knows it: for progress. */
      size?: number;
    }
  | {
      kind: 'error';
      location: ItemLocation;
      /** Starts with the location, for showing on its own. */
      message: string;
      /** The problem without the location, for reports that show the location apart. */
      reason: string;
      /** A warning (e.g. a server's OperationOutcome in a searchset) is reported, not counted as a failure. */
      severity: 'error' | 'warning';
      expression?: string;
    };

/** "file line 3", "file entry 0", "file": how messages name a location. */
export function describeLocation(location: ItemLocation): string {
  if (location.line !== undefined) return `${location.file} line ${location.line}`;
  if (location.entry !== undefined) return `${location.file} entry ${location.entry}`;
  return location.file;
}

/** An error item whose message starts with its location. */
const WARNING_PREFIX = 'warning: ';

export function errorItem(location: ItemLocation, message: string, expression?: string): ImportItem {
  const warning = message.startsWith(WARNING_PREFIX);
  const item: ImportItem = {
    kind: 'error',
    location,
    message: `${describeLocation(location)}: ${message}`,
    reason: warning ? message.slice(WARNING_PREFIX.length) : message,
    severity: warning ? 'warning' : 'error',
  };
  if (expression) item.expression = expression;
  return item;
}

const FILE_SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a folder, not a file',
  Z_DATA_ERROR: 'corrupt gzip data',
  Z_BUF_ERROR: 'truncated gzip data',
};

/**
 * An error item for anything thrown while reading: HearthErrors keep their message, file-system and
 * gzip failures get a plain description, anything else stays generic (never a stack or internals).
 */
export function errorItemFrom(location: ItemLocation, error: unknown): ImportItem {
  if (isHearthError(error)) return errorItem(location, error.message, error.issues[0]?.expression);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && FILE_SYSTEM_ERRORS[code]) return errorItem(location, FILE_SYSTEM_ERRORS[code]);
  return errorItem(location, 'could not be read (internal error)');
}
