import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEARTH_NODE_FLAGS } from '../src/runtime-flags.ts';
import { HEARTH_BIN } from './helpers/run-cli.ts';

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    }).on('error', reject);
  });
}

describe('serving over HTTPS', () => {
  it('uses the configured certificate and sends HSTS', async () => {
    const work = mkdtempSync(join(tmpdir(), 'hearth-tls-'));
    const cert = join(work, 'cert.pem');
    const key = join(work, 'key.pem');
    // A throwaway self-signed certificate for 127.0.0.1 made with the openssl tool.
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
    expect(made.status, `openssl is needed for this test: ${made.stderr}`).toBe(0);
    const env = { PATH: process.env.PATH, HEARTH_MASTER_KEY: '12'.repeat(32), HEARTH_TLS_CERT: cert, HEARTH_TLS_KEY: key };
    const child = spawn(process.execPath, [...HEARTH_NODE_FLAGS, HEARTH_BIN, 'serve', '--port', '0', '--data-dir', join(work, 'data')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let stderr = '';
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 30_000);
        child.stderr.on('data', (chunk) => {
          stderr += chunk;
          const match = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      expect(stderr).toContain(`https           certificate ${cert}  (environment)`);
      const response = await httpsGet(`${address}/healthz`, readFileSync(cert));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({ status: 'ok' });
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
      rmSync(work, { recursive: true, force: true });
    }
  });
});
