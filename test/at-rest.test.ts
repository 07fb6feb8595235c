import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasPlaintextHeader } from '../src/storage/encryption-self-test.ts';
import { canaryForms, filesUnder } from './helpers/canary.ts';
import { runCli } from './helpers/run-cli.ts';

const CANARY = 'Quetzal-7c1f "Zebra" Hemoglobin-Canary';

describe('health data at rest', () => {
  it('leaves no readable canary in any file of the data directory', async () => {
    const work = mkdtempSync(join(tmpdir(), 'hearth-rest-'));
    try {
      const env = { HEARTH_MASTER_KEY: 'cd'.repeat(32) };
      const dataDir = join(work, 'data');
      expect((await runCli(['init', '--data-dir', dataDir], env)).code).toBe(0);
      const personId = (await runCli(['person', 'add', '--name', `Person ${CANARY}`, '--data-dir', dataDir], env)).stdout.trim();
      const input = join(work, 'canary.ndjson');
      const records = [
        { resourceType: 'Patient', id: 'p1', name: [{ family: CANARY, given: ['Ann'] }] },
        { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: `Diagnosis ${CANARY}` }, note: [{ text: CANARY }] },
        {
          resourceType: 'DocumentReference',
          id: 'd1',
          status: 'current',
          subject: { reference: 'Patient/p1' },
          content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(`Note: ${CANARY}`).toString('base64') } }],
        },
      ];
      writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n'));
      const imported = await runCli(['import', input, '--person', personId, '--data-dir', dataDir], env);
      expect(imported.code, imported.stderr).toBe(0);
      const search = await runCli(['search', '--person', personId, 'Condition?_text=Quetzal', '--data-dir', dataDir], env);
      expect(search.stdout).toContain('Condition/c1');
      rmSync(input);

      const files = filesUnder(dataDir);
      expect(files.some((f) => f.endsWith('.db'))).toBe(true);
      for (const file of files) {
        const bytes = readFileSync(file);
        for (const form of canaryForms(CANARY)) expect(bytes.includes(form), `${file} holds the canary`).toBe(false);
        if (file.endsWith('.db') && statSync(file).size > 0) expect(hasPlaintextHeader(file), file).toBe(false);
      }
      // The scan itself can find a canary: the forms are right.
      const probe = join(work, 'probe.txt');
      writeFileSync(probe, Buffer.from(`x${CANARY}`).toString('base64'));
      expect(canaryForms(CANARY).some((form) => readFileSync(probe).includes(form))).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
