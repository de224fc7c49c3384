// Webhooks (subscriptions), always looked up within their tenant.
import { sql, type Kysely, type Selectable, type Transaction, type Updateable } from 'kysely';
import { joinUrlPassword, splitUrlPassword } from '../../core/destinations.ts';
import { errors } from '../../core/errors.ts';
import type { Webhook } from '../../core/model.ts';
import type { Database, WebhooksTable } from '../schema.ts';
import type { Store, WebhookChanges } from '../store.ts';
import { json, jsonOrNull, toWebhook, type WebhookRow } from './rows.ts';
import type { SecretBox } from './secrets.ts';
import { recoveryQueries } from './recovery.ts';

/** Seals (or opens) the values of the headers named secret; the others pass as they are. */
export function mapSecretHeaders(headers: Record<string, string>, secretNames: readonly string[], f: (value: string) => string): Record<string, string> {
  if (secretNames.length === 0) return headers;
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, secretNames.includes(name.toLowerCase()) ? f(value) : value]));
}

/** The URL as stored: its password (a broker's) in a column of its own, sealed; `[redacted]` in its place. */
function urlColumns(url: string, box: SecretBox): { url: string; url_password: string | null } {
  const split = splitUrlPassword(url);
  return { url: split.url, url_password: split.password === null ? null : box.seal(split.password) };
}

function changesToRow(c: WebhookChanges, box: SecretBox): Updateable<WebhooksTable> {
  const row: Updateable<WebhooksTable> = {};
  if (c.url !== undefined) Object.assign(row, urlColumns(c.url, box));
  if (c.events !== undefined) row.events = json(c.events);
  if (c.enabled !== undefined) row.enabled = c.enabled ? 1 : 0;
  if (c.description !== undefined) row.description = c.description;
  if (c.filters !== undefined) row.filters = json(c.filters);
  if (c.method !== undefined) row.method = c.method;
  // Which values are sealed depends on both: WebhookChanges has them together or not at all.
  if (c.headers !== undefined) {
    row.headers = json(mapSecretHeaders(c.headers, c.secretHeaders, box.seal));
    row.secret_headers = json(c.secretHeaders);
  }
  if (c.format !== undefined) row.format = c.format;
  if (c.secret !== undefined) row.secret = box.seal(c.secret);
  if (c.retry !== undefined) row.retry = json(c.retry);
  if (c.condition !== undefined) row.condition = c.condition;
  if (c.template !== undefined) row.template = c.template;
  if (c.contentType !== undefined) row.content_type = c.contentType;
  if (c.formFields !== undefined) row.form_fields = jsonOrNull(c.formFields);
  if (c.exportKey !== undefined) row.export_key = c.exportKey;
  if (c.maxConcurrency !== undefined) row.max_concurrency = c.maxConcurrency;
  if (c.rateLimit !== undefined) row.rate_limit = c.rateLimit;
  if (c.ordering !== undefined) row.ordering = c.ordering;
  if (c.signatureScheme !== undefined) row.signature_scheme = c.signatureScheme;
  if (c.templateDialect !== undefined) row.template_dialect = c.templateDialect;
  if (c.timeoutMs !== undefined) row.timeout_ms = c.timeoutMs;
  if (c.followRedirects !== undefined) row.follow_redirects = c.followRedirects ? 1 : 0;
  if (c.autoDisable !== undefined) row.auto_disable = c.autoDisable ? 1 : 0;
  return row;
}

/**
 * A disabled webhook's pending deliveries are held (no due time), not dropped; enabling it makes
 * them due again, and the queue's id order sends the oldest first.
 */
async function holdOrRelease(trx: Transaction<Database>, webhookId: string, enabled: boolean, now: number): Promise<void> {
  // Held deliveries leave their webhook's lane (migrations/0007): enabling makes them due to any claim.
  const query = trx.updateTable('deliveries').set(enabled ? { due_at: now, updated_at: now } : { due_at: null, parked_for: null, updated_at: now })
    .where('webhook_id', '=', webhookId).where('status', '=', 'pending');
  // Those waiting for their ordering key's turn stay so: the delivery ahead of them lets them go.
  await (enabled ? query.where('due_at', 'is', null).where('blocked', '=', 0) : query).execute();
}

/** Webhook rows with their tenant's export key: what delivering needs (the `audit` format's default). */
export const webhookRowsWithTenantKey = (db: Kysely<Database>) => db.selectFrom('webhooks').selectAll('webhooks')
  .select((eb) => eb.selectFrom('tenants').select('tenants.export_key').whereRef('tenants.id', '=', 'webhooks.tenant_id').as('tenant_export_key'));

/**
 * A webhook row with its secrets opened (the current one, a rotation's previous one, secret
 * headers, a broker URL's password): the URL is whole again, as the dispatcher sends to it.
 */
export function readWebhook(row: WebhookRow, box: SecretBox): Webhook {
  const secretNames = JSON.parse(row.secret_headers) as string[];
  const headers = secretNames.length === 0 ? undefined : mapSecretHeaders(JSON.parse(row.headers) as Record<string, string>, secretNames, box.open);
  const webhook = toWebhook(row, box.open(row.secret), row.previous_secret === null ? null : box.open(row.previous_secret), headers);
  // `?? null`: rows read before migration 0016 ran (none once Relais starts) have no such column.
  const password = row.url_password ?? null;
  return password === null ? webhook : { ...webhook, url: joinUrlPassword(row.url, box.open(password)) };
}

export function webhookQueries(db: Kysely<Database>, box: SecretBox, lockRows: boolean): Store['webhooks'] {
  const read = (row: Selectable<WebhooksTable>): Webhook => readWebhook(row, box);
  return {
    ...recoveryQueries(db, lockRows),
    async create(w, now) {
      const row = await db.insertInto('webhooks').values({
        id: w.id,
        tenant_id: w.tenantId,
        ...urlColumns(w.url, box),
        events: json(w.events),
        enabled: w.enabled ? 1 : 0,
        description: w.description,
        filters: json(w.filters),
        method: w.method,
        headers: json(mapSecretHeaders(w.headers, w.secretHeaders, box.seal)),
        secret_headers: json(w.secretHeaders),
        format: w.format,
        secret: box.seal(w.secret),
        retry: json(w.retry),
        condition: w.condition,
        template: w.template,
        content_type: w.contentType,
        form_fields: jsonOrNull(w.formFields),
        export_key: w.exportKey,
        max_concurrency: w.maxConcurrency,
        rate_limit: w.rateLimit,
        ordering: w.ordering,
        signature_scheme: w.signatureScheme,
        template_dialect: w.templateDialect,
        timeout_ms: w.timeoutMs,
        follow_redirects: w.followRedirects ? 1 : 0,
        auto_disable: w.autoDisable ? 1 : 0,
        created_at: now,
        updated_at: now,
      }).onConflict((oc) => oc.column('id').doNothing()).returningAll().executeTakeFirst();
      // Only an id chosen by the product (an import) can be taken already.
      if (!row) throw errors.conflict(`webhook "${w.id}" already exists`, 'id');
      return read(row);
    },
    async get(tenantId, id) {
      const row = await db.selectFrom('webhooks').selectAll()
        .where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && read(row);
    },
    async list(tenantId) {
      const rows = await db.selectFrom('webhooks').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
      return rows.map(read);
    },
    async countDisabled() {
      // No index on `enabled`: one row per receiver endpoint is a small table, and /metrics caches this.
      const { rows } = await sql<{ by_relais: number | string | null; by_owner: number | string | null }>`
        SELECT sum(CASE WHEN disabled_reason IS NOT NULL THEN 1 ELSE 0 END) AS by_relais, sum(CASE WHEN disabled_reason IS NULL THEN 1 ELSE 0 END) AS by_owner
        FROM webhooks WHERE enabled = 0`.execute(db);
      return { byRelais: Number(rows[0]?.by_relais ?? 0), byOwner: Number(rows[0]?.by_owner ?? 0) };
    },
    async update(tenantId, id, changes, now) {
      return db.transaction().execute(async (trx) => {
        // Enabling by hand starts a clean failure record.
        const reset = changes.enabled === true ? { consecutive_failures: 0, failing_since: null, disabled_reason: null } : {};
        const row = await trx.updateTable('webhooks').set({ ...changesToRow(changes, box), ...reset, updated_at: now })
          .where('tenant_id', '=', tenantId).where('id', '=', id).returningAll().executeTakeFirst();
        if (!row) return undefined;
        if (changes.enabled !== undefined) await holdOrRelease(trx, id, changes.enabled, now);
        return read(row);
      });
    },
    async disable(tenantId, id, reason, now) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.updateTable('webhooks').set({ enabled: 0, disabled_reason: reason, updated_at: now })
          .where('tenant_id', '=', tenantId).where('id', '=', id).where('enabled', '=', 1).returningAll().executeTakeFirst();
        if (!row) return undefined;
        await holdOrRelease(trx, id, false, now);
        return read(row);
      });
    },
    async rotateSecret(tenantId, id, secret, previousUntil, now) {
      // The previous secret moves over as stored (sealed or not): no need to open it.
      const row = await db.updateTable('webhooks')
        .set((eb) => ({ previous_secret: eb.ref('secret'), previous_secret_until: previousUntil, secret: box.seal(secret), updated_at: now }))
        .where('tenant_id', '=', tenantId).where('id', '=', id).returningAll().executeTakeFirst();
      return row && read(row);
    },
    async resealSecrets(to, batchSize = 200) {
      const reseal = (stored: string): string => to.seal(box.open(stored));
      let after = '';
      let count = 0;
      for (;;) {
        // One batch per transaction: a failure leaves whole rows done or not, and locks stay short.
        const done = await db.transaction().execute(async (trx) => {
          const query = trx.selectFrom('webhooks').select(['id', 'secret', 'previous_secret', 'headers', 'secret_headers', 'url_password'])
            .where('id', '>', after).orderBy('id').limit(batchSize);
          const rows = await (lockRows ? query.forUpdate() : query).execute();
          for (const r of rows) {
            const headers = mapSecretHeaders(JSON.parse(r.headers) as Record<string, string>, JSON.parse(r.secret_headers) as string[], reseal);
            await trx.updateTable('webhooks').where('id', '=', r.id)
              .set({
                secret: reseal(r.secret), previous_secret: r.previous_secret === null ? null : reseal(r.previous_secret), headers: json(headers),
                url_password: r.url_password === null ? null : reseal(r.url_password),
              })
              .execute();
          }
          return { n: rows.length, last: rows.at(-1)?.id };
        });
        if (done.last === undefined) return count;
        count += done.n;
        after = done.last;
      }
    },
    async delete(tenantId, id) {
      // Its deliveries and their attempts go with it (foreign keys cascade).
      const result = await db.deleteFrom('webhooks').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

