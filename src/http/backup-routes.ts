import type { FastifyInstance } from 'fastify';
import type { BackupScheduler } from '../backup/backup-scheduler.ts';
import { auditRequest, requireOwner, type AuthContext } from './auth-context.ts';

/**
 * The backups page's API (issue 6 §4), for the instance owner only: other accounts get 403, as
 * for every owner route. Running a backup now needs a fresh re-authentication (POST /api/reauth).
 */
export function registerBackupRoutes(app: FastifyInstance, context: AuthContext, backups: BackupScheduler): void {
  app.get('/api/backups', async (request) => {
    const { account } = requireOwner(context, request);
    auditRequest(context, request, { actor: account.id, action: 'read', outcome: 'success', what: { query: 'backups' } });
    return backups.status();
  });

  app.post('/api/backups', async (request, reply) => {
    const { account } = requireOwner(context, request, true);
    // The service writes the 'backup' audit entries (system trail and each vault's) itself.
    const row = await backups.runNow(account.id);
    const { manifest, pid: _pid, ...rest } = row;
    return reply.code(row.status === 'ok' ? 201 : 500).send({
      backup: { ...rest, startedAt: new Date(row.startedAt).toISOString(), finishedAt: row.finishedAt === null ? null : new Date(row.finishedAt).toISOString(), people: manifest?.people.length ?? 0 },
      status: backups.status(),
    });
  });
}
