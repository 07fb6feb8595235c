import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.ts';

describe('hearth registration / source add (real CLI, real encrypted files)', () => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-registration-cli-'));
  const dataDir = join(work, 'data');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('adds a key registration, lists registrations without their secrets, refuses plain http, and deletes only with --yes', async () => {
    const env = { HEARTH_PUBLIC_URL: 'https://hearth.example.org', CLIENT_SECRET: 'a-secret-kept-out-of-history' };
    expect((await runCli(['init', '--data-dir', dataDir], env)).code).toBe(0);
    const added = await runCli(['registration', 'add', '--label', 'Test EHR', '--client-id', 'hearth-1', '--type', 'confidential-key', '--alg', 'RS384', '--json', '--data-dir', dataDir], env);
    expect(added.code, added.stderr).toBe(0);
    const registration = JSON.parse(added.stdout);
    expect(registration).toMatchObject({ clientId: 'hearth-1', clientType: 'confidential-key', alg: 'RS384' });
    const secret = await runCli(['registration', 'add', '--label', 'Secret EHR', '--client-id', 'hearth-2', '--type', 'confidential-secret', '--secret-env', 'CLIENT_SECRET', '--json', '--data-dir', dataDir], env);
    expect(secret.code, secret.stderr).toBe(0);
    const listed = await runCli(['registration', 'list', '--json', '--data-dir', dataDir], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain('a-secret-kept-out-of-history');
    expect(listed.stdout).not.toContain('"d"');
    const list = JSON.parse(listed.stdout);
    expect(list.redirectUriPattern).toBe('https://hearth.example.org/callback/{sourceId}');
    expect(list.jwksUrl).toBe('https://hearth.example.org/.well-known/jwks.json');
    expect(list.registrations.map((r: { clientId: string }) => r.clientId).sort()).toEqual(['hearth-1', 'hearth-2']);

    const person = (await runCli(['person', 'add', '--name', 'Ann', '--data-dir', dataDir], env)).stdout.trim();
    // Plain http is refused before any request (no allowlist on the command line).
    const plain = await runCli(['source', 'add', '--person', person, '--url', 'http://127.0.0.1:9/fhir', '--registration', registration.id, '--data-dir', dataDir], env);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('https');

    expect((await runCli(['registration', 'delete', registration.id, '--data-dir', dataDir], env)).code).toBe(1);
    const deleted = await runCli(['registration', 'delete', registration.id, '--yes', '--data-dir', dataDir], env);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse((await runCli(['registration', 'list', '--json', '--data-dir', dataDir], env)).stdout).registrations).toHaveLength(1);
  });
});
