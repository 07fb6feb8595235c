import { accountsOf } from '../../src/accounts/accounts-service.ts';
import type { ImportJob } from '../../src/http/import-jobs.ts';

/** A small client for the import API over real HTTP, as the web app uses it. */
export interface Answer {
  status: number;
  json: any;
}

export function importClient(base: string) {
  async function call(method: string, path: string, options: { cookie?: string; body?: Buffer | string; type?: string; csrf?: boolean } = {}): Promise<Answer> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(options.cookie ? { cookie: `__Host-hearth-session=${options.cookie}` } : {}),
        ...(options.csrf !== false && method !== 'GET' ? { 'x-hearth-csrf': '1' } : {}),
        ...(options.body !== undefined ? { 'content-type': options.type ?? 'application/octet-stream' } : {}),
      },
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  return {
    call,
    async login(username: string, password: string): Promise<string> {
      const response = await fetch(`${base}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hearth-csrf': '1' },
        body: JSON.stringify({ username, password }),
      });
      if (response.status !== 200) throw new Error(`login failed: ${response.status}`);
      return /^__Host-hearth-session=([^;]*)/.exec(response.headers.getSetCookie()[0]!)![1]!;
    },
    upload(cookie: string, personId: string, filename: string, bytes: Buffer | string, options: { csrf?: boolean; type?: string } = {}): Promise<Answer> {
      return call('POST', `/api/people/${personId}/imports?filename=${encodeURIComponent(filename)}`, { cookie, body: bytes, ...options });
    },
    /** Polls a job until it has finished; returns it with every progress fraction seen on the way. */
    async waitFor(cookie: string, personId: string, jobId: string, seen: ImportJob[] = []): Promise<{ job: ImportJob; seen: ImportJob[] }> {
      for (let attempt = 0; attempt < 6000; attempt++) {
        const answer = await call('GET', `/api/people/${personId}/imports/${jobId}`, { cookie });
        if (answer.status !== 200) throw new Error(`polling answered ${answer.status}: ${JSON.stringify(answer.json)}`);
        const job = answer.json.job as ImportJob;
        seen.push(job);
        if (job.state === 'done' || job.state === 'failed') return { job, seen };
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error('the import did not finish');
    },
  };
}

/** The owner (alice) and bob with the given grants, created directly in the system database. */
export const PASSWORDS = { alice: 'correct horse battery', bob: 'another long secret' };
export async function setUpAccounts(system: Parameters<typeof accountsOf>[0], grants: { personId: string; role: 'viewer' | 'manager' }[]) {
  const accounts = accountsOf(system);
  const owner = await accounts.createOwner('alice', PASSWORDS.alice);
  const bob = await accounts.addAccount('bob', PASSWORDS.bob, grants);
  return { owner, bob };
}
