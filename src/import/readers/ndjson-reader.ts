import { formatBytes, parseJsonGuarded, stripServerOwnedMeta } from './json-guard.ts';
import type { ReadLimits } from './limits.ts';
import { splitLines } from './line-splitter.ts';
import { errorItem, errorItemFrom, type ImportItem } from './types.ts';

/**
 * NDJSON (FHIR Bulk Data export files, one resource per line, one type per file or mixed): streams
 * line by line with bounded memory. Each bad line becomes one error item and reading goes on; blank
 * lines are skipped.
 */
export async function* readNdjson(source: AsyncIterable<Buffer | string>, file: string, limits: ReadLimits): AsyncGenerator<ImportItem> {
  let current = 0;
  let seenContent = false;
  try {
    for await (const split of splitLines(source, limits.maxLineBytes)) {
      current = split.line;
      const location = { file, line: split.line };
      if ('error' in split) {
        yield split.error === 'too-long'
          ? errorItem(location, `line is longer than ${formatBytes(limits.maxLineBytes)} (skipped)`)
          : errorItem(location, 'line is not valid UTF-8');
        continue;
      }
      if (split.text.trim() === '') continue;
      const first = !seenContent;
      seenContent = true;
      try {
        const resource = parseJsonGuarded(split.text, limits);
        stripServerOwnedMeta(resource);
        yield { kind: 'resource', location, resource, size: split.text.length };
      } catch (error) {
        if (first && isJsonObjectWithoutResourceType(split.text)) {
          // A bulk export folder often holds the client's own log.ndjson next to the data: a file
          // of JSON lines that are not FHIR is skipped with a warning rather than one error a line.
          yield errorItem({ file }, 'warning: not FHIR NDJSON (its first line has no resourceType); file skipped');
          return;
        }
        yield errorItemFrom(location, error);
      }
    }
  } catch (error) {
    // The stream itself failed (I/O, corrupt gzip, a zip entry larger than declared): report where.
    yield errorItemFrom(current > 0 ? { file, line: current + 1 } : { file }, error);
  }
}

function isJsonObjectWithoutResourceType(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !('resourceType' in value);
  } catch {
    return false;
  }
}
