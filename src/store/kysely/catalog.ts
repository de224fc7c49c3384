// Settings, tenants, tokens and event types: small tables read far more than written.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import { json, jsonOrNull, toEventType, toTenant } from './rows.ts';

export function settingsQueries(db: Kysely<Database>): Store['settings'] {
  return {
    async get(key) {
      const row = await db.selectFrom('relais_settings').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },
    async putIfAbsent(key, value) {
      await db.insertInto('relais_settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
      const row = await db.selectFrom('relais_settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
      return row.value;
    },
  };
}

export function tenantQueries(db: Kysely<Database>): Store['tenants'] {
  const get = async (id: string) => {
    const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  };
  return {
    async create(t, now) {
      const row = await db.insertInto('tenants')
        .values({ id: t.id, name: t.name, notify_emails: json(t.notifyEmails), export_key: t.exportKey ?? null, created_at: now })
        .onConflict((oc) => oc.column('id').doNothing())
        .returningAll()
        .executeTakeFirst();
      return row && toTenant(row);
    },
    async update(id, c) {
      const set = {
        ...(c.name !== undefined ? { name: c.name } : {}),
        ...(c.notifyEmails !== undefined ? { notify_emails: json(c.notifyEmails) } : {}),
        ...(c.exportKey !== undefined ? { export_key: c.exportKey } : {}),
      };
      if (Object.keys(set).length === 0) return get(id); // nothing to change: an empty UPDATE is no SQL
      const row = await db.updateTable('tenants').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row && toTenant(row);
    },
    get,
    async list({ after, limit }) {
      let query = db.selectFrom('tenants').selectAll().orderBy('id').limit(limit + 1);
      if (after !== undefined) query = query.where('id', '>', after);
      const rows = await query.execute();
      const data = rows.slice(0, limit).map(toTenant);
      return { data, nextCursor: rows.length > limit ? data[data.length - 1]!.id : null };
    },
  };
}

export function tokenQueries(db: Kysely<Database>): Store['tokens'] {
  return {
    async create(t, now) {
      await db.insertInto('tokens')
        .values({ id: t.id, tenant_id: t.tenantId, name: t.name, token_hash: t.hash, last_chars: t.lastChars, created_at: now, expires_at: t.expiresAt })
        .execute();
    },
    async list(tenantId) {
      const rows = await db.selectFrom('tokens').select(['id', 'name', 'last_chars', 'created_at', 'expires_at'])
        .where('tenant_id', '=', tenantId).orderBy('id', 'desc').execute();
      return rows.map((r) => ({
        id: r.id, name: r.name, lastChars: r.last_chars, createdAt: Number(r.created_at), expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      }));
    },
    async revoke(tenantId, id) {
      const result = await db.deleteFrom('tokens').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async tenantForHash(hash, now) {
      const row = await db.selectFrom('tokens').select(['tenant_id', 'expires_at'])
        .where('token_hash', '=', hash).executeTakeFirst();
      const expiresAt = row?.expires_at === null || row?.expires_at === undefined ? null : Number(row.expires_at);
      if (!row || (expiresAt !== null && expiresAt <= now)) return undefined;
      return { tenantId: row.tenant_id, expiresAt };
    },
  };
}

export function eventTypeQueries(db: Kysely<Database>): Store['eventTypes'] {
  return {
    async upsert(et, now) {
      const values = {
        description: et.description,
        schema: jsonOrNull(et.schema),
        example: jsonOrNull(et.example),
        filters: json(et.filters),
        updated_at: now,
      };
      return db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('event_types').select('name').where('name', '=', et.name).executeTakeFirst();
        const row = existing
          ? await trx.updateTable('event_types').set(values).where('name', '=', et.name).returningAll().executeTakeFirstOrThrow()
          : await trx.insertInto('event_types').values({ ...values, name: et.name, created_at: now }).returningAll().executeTakeFirstOrThrow();
        return { eventType: toEventType(row), created: !existing };
      });
    },
    async get(name) {
      const row = await db.selectFrom('event_types').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toEventType(row);
    },
    async list() {
      const rows = await db.selectFrom('event_types').selectAll().orderBy('name').execute();
      return rows.map(toEventType);
    },
  };
}
