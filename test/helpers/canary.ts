import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The forms SECURITY.md "At rest" asks to scan for: UTF-8, UTF-16LE, base64 (three alignments), JSON-escaped. */
export function canaryForms(text: string): Buffer[] {
  const forms = [Buffer.from(text, 'utf8'), Buffer.from(text, 'utf16le'), Buffer.from(JSON.stringify(text).slice(1, -1), 'utf8')];
  for (const shift of [0, 1, 2]) {
    const encoded = Buffer.from(`${'x'.repeat(shift)}${text}`).toString('base64');
    // Drop the characters that depend on the neighbouring bytes at either end.
    forms.push(Buffer.from(encoded.slice(shift === 0 ? 0 : 4, -4), 'utf8'));
  }
  return forms;
}

/** Every file under `dir`; entries that vanish or cannot be read meanwhile (other tests' temp files) are skipped. */
export function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}

/** The files under `dir` (changed since `sinceMs`, when given) holding any form of `canary`. */
export function filesHolding(dir: string, canary: string, sinceMs = 0): string[] {
  const forms = canaryForms(canary);
  return filesUnder(dir).filter((file) => {
    try {
      if (statSync(file).mtimeMs < sinceMs) return false;
      const bytes = readFileSync(file);
      return forms.some((form) => bytes.includes(form));
    } catch {
      return false;
    }
  });
}
