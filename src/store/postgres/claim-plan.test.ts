// A claim's cost must not grow with the backlog: on the queue's connections, PostgreSQL plans it
// as an ordered scan of the queue index that stops after `limit` rows, even when the statistics
// know nothing of the rows just queued (a fresh table here, never analysed). With bitmap scans
// allowed, this very backlog was planned as a bitmap scan of every due row, then a sort of them all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { subscriptionMatches } from '../../core/matching.ts';
import { newId } from '../../ids.ts';
import { makeEngine, type EngineFixture } from '../../../test/helpers/engines.ts';
import { claimStatement } from '../kysely/deliveries.ts';
import { openStore } from '../open.ts';
import type { Database } from '../schema.ts';
import type { Matcher, NewEvent, Store } from '../store.ts';
import { QUEUE_OPTIONS } from './engine.ts';

const match: Matcher = (webhooks, e) => webhooks.filter((w) => subscriptionMatches(w, e.type, e.data));
const event = (): NewEvent => ({ id: newId('evt'), idempotencyKey: null, type: 'job', occurredAt: 1, data: { n: 1 }, actor: null, resource: null, previous: null, changes: null });

describe('PostgreSQL claim plan', () => {
  let fixture: EngineFixture;
  let store: Store;
  before(async () => {
    fixture = await makeEngine('postgres');
    store = openStore({ ...fixture, encryptionKey: 'plan-test-key' });
    await store.migrate();
    await store.tenants.create({ id: 'acme', name: 'Acme', notifyEmails: [] }, 1);
    await store.webhooks.create({
      id: newId('wh'), tenantId: 'acme', url: 'http://127.0.0.1:9/hook', events: ['job'], enabled: true, description: null, filters: {},
      method: 'POST', headers: {}, format: 'standard', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', retry: { mode: 'default' }, condition: null,
      template: null, contentType: null, formFields: null, exportKey: null, maxConcurrency: null, rateLimit: null,
    }, 1);
    for (let i = 0; i < 5_000; i += 500) await store.events.ingest('acme', Array.from({ length: 500 }, event), match, () => newId('dlv'), 1_000);
  });
  after(async () => {
    await store.close();
    await fixture.dispose();
  });

  it('scans the queue index in order and stops, with a backlog the statistics have not seen', async () => {
    const pool = new pg.Pool({ connectionString: fixture.databaseUrl, max: 1, options: QUEUE_OPTIONS });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      const claim = claimStatement({ limit: 100, until: 60_000, leaseId: 'att_plan', now: 2_000, claimLock: sql`FOR UPDATE SKIP LOCKED` }).compile(db);
      const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>({ ...claim, sql: `EXPLAIN ${claim.sql}` });
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      assert.match(plan, /Index Scan using deliveries_due on deliveries/, plan);
      assert.doesNotMatch(plan, /Bitmap|Sort/, plan);
    } finally {
      await db.destroy();
    }
  });
});
