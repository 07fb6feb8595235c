import { readImportBuffer } from '../src/import/readers/index.ts';
import { HOSTILE_VECTORS } from '../test/helpers/hostile-vectors.ts';

/**
 * SECURITY.md "Input": every hostile vector is refused within 1 s. Times each through the readers
 * from memory (the upload path; the file path shares the same guards), worst of three runs.
 */
export interface HostileTiming {
  name: string;
  worstMs: number;
  /** False for the vectors that are well-formed JSON but not valid FHIR: validation refuses them later. */
  refused: boolean;
}

export async function measureHostileInput(): Promise<HostileTiming[]> {
  const results: HostileTiming[] = [];
  for (const [name, file, content] of HOSTILE_VECTORS) {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let worstMs = 0;
    let refused = false;
    for (let run = 0; run < 3; run++) {
      const start = performance.now();
      let errors = 0;
      for await (const item of readImportBuffer(file, bytes)) if (item.kind === 'error') errors++;
      worstMs = Math.max(worstMs, performance.now() - start);
      refused = errors > 0;
    }
    results.push({ name, worstMs, refused });
  }
  return results;
}
