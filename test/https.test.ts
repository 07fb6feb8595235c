import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServe } from './helpers/run-cli.ts';

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
    const env = { HEARTH_MASTER_KEY: '12'.repeat(32), HEARTH_TLS_CERT: cert, HEARTH_TLS_KEY: key };
    const { child, address, stderr } = await startServe(['--data-dir', join(work, 'data')], env);
    try {
      expect(address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(stderr()).toContain(`https           certificate ${cert}  (environment)`);
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
