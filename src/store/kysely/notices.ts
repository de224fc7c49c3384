// Notices kept for a tenant; the attempts they quote, and a webhook's recent record for the page.
import type { Kysely } from 'kysely';
import type { Notice } from '../../core/model.ts';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import { json, readAttempts } from './rows.ts';

export function noticeQueries(db: Kysely<Database>): Store['notices'] {
  return {
    async create(n) {
      await db.insertInto('notices').values({
        id: n.id, tenant_id: n.tenantId, kind: n.kind, subject: n.subject, body: n.body, recipients: json(n.recipients),
        created_at: n.createdAt, emailed_at: null, email_error: null,
      }).execute();
    },
    async emailed(id, outcome) {
      await db.updateTable('notices')
        .set('emailedAt' in outcome ? { emailed_at: outcome.emailedAt, email_error: null } : { email_error: outcome.error })
        .where('id', '=', id).execute();
    },
    async list(tenantId, limit) {
      const rows = await db.selectFrom('notices').selectAll().where('tenant_id', '=', tenantId).orderBy('id', 'desc').limit(limit).execute();
      return rows.map((r): Notice => ({
        id: r.id, tenantId: r.tenant_id, kind: r.kind as Notice['kind'], subject: r.subject, body: r.body,
        recipients: JSON.parse(r.recipients) as string[], createdAt: Number(r.created_at),
        emailedAt: r.emailed_at === null ? null : Number(r.emailed_at), emailError: r.email_error,
      }));
    },
  };
}

export function attemptQueries(db: Kysely<Database>): Store['attempts'] {
  return {
    async latestForWebhook(tenantId, webhookId, limit) {
      const rows = await db.selectFrom('attempts').selectAll()
        .where('webhook_id', '=', webhookId).where('tenant_id', '=', tenantId).orderBy('id', 'desc').limit(limit).execute();
      return readAttempts(db, rows);
    },
    async recentOutcomes(tenantId, webhookId, sinceId, limit) {
      const recent = db.selectFrom('attempts').select('succeeded')
        .where('webhook_id', '=', webhookId).where('tenant_id', '=', tenantId).where('id', '>=', sinceId)
        .orderBy('id', 'desc').limit(limit).as('recent');
      const row = await db.selectFrom(recent)
        .select((eb) => [
          eb.fn.countAll<number | string>().as('attempts'),
          eb.fn.sum<number | string | null>(eb.case().when('succeeded', '=', 0).then(1).else(0).end()).as('failures'),
        ])
        .executeTakeFirstOrThrow();
      return { attempts: Number(row.attempts), failures: Number(row.failures ?? 0) };
    },
  };
}
