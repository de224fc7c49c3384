// Cost per delivery must not grow with the log: every statement the store runs against a table
// that grows (events, deliveries, attempts, webhooks, notices) finds its rows through an index,
// never by scanning the table. A statement's plan is SQLite's own EXPLAIN QUERY PLAN; bound
// values do not change it (which is why `status IN (?, ?)` could not use the partial queue index).
// The dispatcher's statements, thousands a second or once per lane, also stay off the log's own
// indexes (a webhook's, a tenant's, an event's deliveries): those grow with history.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import { subscriptionMatches } from '../../core/matching.ts';
import { newId } from '../../ids.ts';
import { secretBox } from '../kysely/secrets.ts';
import type { Matcher, NewEvent, Store } from '../store.ts';
import { sqliteStore } from './engine.ts';
import { newWebhook } from '../../../test/helpers/webhooks.ts';

const GROWING = /^(SCAN|SEARCH) (events|deliveries|attempts|webhooks|notices)\b/;
/** The log's indexes: a dispatcher's statement that reads one reads history, which only grows. */
const HISTORY = /USING (COVERING )?INDEX (deliveries_webhook|deliveries_tenant|deliveries_event|attempts_\w+)\b/;
const NOT_QUERIES = /^\s*(create|alter|drop|pragma|begin|commit|rollback|savepoint|release)\b|relais_migrations|sqlite_master/i;

const match: Matcher = (webhooks, e) => webhooks.filter((w) => subscriptionMatches(w, e.type, e.data));
const event = (type: string, key: string | null): NewEvent => ({
  id: newId('evt'), idempotencyKey: key, type, occurredAt: 1, data: { id: 1 }, actor: null, resource: null, previous: null, changes: null,
});

describe('SQLite query plans', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relais-plans-'));
  const path = join(dir, 'relais.db');
  const statements = new Set<string>();
  const queue = new Set<string>(); // first prepared by the dispatcher's calls
  let dispatching = false;
  let store: Store;

  before(async () => {
    store = sqliteStore(path, secretBox('plans-test-key'), (sql) => {
      statements.add(sql);
      if (dispatching) queue.add(sql);
    });
    await store.migrate();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reach every growing table through an index, for the whole life of a delivery', async () => {
    // Every store call a delivery's life makes, from the API, the dispatcher and the page.
    const now = 1_700_000_000_000;
    await store.tenants.create({ id: 'acme', name: 'Acme', notifyEmails: [] }, now);
    const webhook = await store.webhooks.create(newWebhook('acme', ['order.paid']), now);
    await store.webhooks.list('acme');
    await store.webhooks.get('acme', webhook.id);
    const [stored] = await store.events.ingest('acme', [event('order.paid', 'k1'), event('order.paid', null)], match, () => newId('dlv'), now);
    await store.events.ingest('acme', [event('order.paid', 'k1')], match, () => newId('dlv'), now);
    await store.events.get('acme', stored!.event.id);
    dispatching = true;
    const claimed = await store.deliveries.claim(10, 30_000, now, () => newId('att'));
    assert.equal(claimed.length, 2);
    const [first, second] = claimed;
    await store.deliveries.complete([{
      deliveryId: first!.delivery.id, leaseId: first!.leaseId, tenantId: 'acme', webhookId: webhook.id, status: 'pending', dueAt: now + 1000,
      attempt: { id: newId('att'), startedAt: now, durationMs: 3, succeeded: false, response: null, errorKind: 'connection_refused', errorMessage: 'refused', request: { method: 'POST', url: webhook.url, headers: {}, body: '{}' } },
    }], now);
    await store.deliveries.park([{ deliveryId: second!.delivery.id, leaseId: second!.leaseId, dueAt: now + 500, webhookId: webhook.id }], now);
    await store.deliveries.renewParked([webhook.id], now + 1000, now);
    const [parked] = await store.deliveries.claimParked(webhook.id, 10, 30_000, now, () => newId('att'));
    await store.deliveries.release([{ deliveryId: parked!.delivery.id, leaseId: parked!.leaseId, dueAt: now + 500 }], now);
    await store.deliveries.unpark([webhook.id], now);
    assert.equal(await store.deliveries.nextDueAt(), now + 500);
    // Tenants at their share are stepped over, in the queue index still (tenant-shares.ts).
    assert.equal(await store.deliveries.nextDueAt(['acme', 'globex']), undefined);
    assert.equal((await store.deliveries.claim(10, 30_000, now + 500, () => newId('att'), ['acme', 'globex'])).length, 0);
    dispatching = false;
    await store.deliveries.get('acme', first!.delivery.id);
    await store.deliveries.list('acme', { limit: 10, webhookId: webhook.id, status: 'pending', eventType: 'order.paid', before: 'dlv_zzz' });
    await store.deliveries.create('acme', { id: newId('dlv'), eventId: stored!.event.id, eventType: 'order.paid', webhookId: webhook.id }, now);
    await store.attempts.latestForWebhook('acme', webhook.id, 5);
    await store.attempts.recentOutcomes('acme', webhook.id, newId('att', now - 86_400_000), 100);
    await store.notices.create({ id: newId('ntc'), tenantId: 'acme', kind: 'webhook.disabled', subject: 's', body: 'b', recipients: [], createdAt: now });
    await store.notices.list('acme', 10);
    // Recovering a window: its pages of events, what the webhook failed or missed, the requeue; the log's held filter.
    const window = { since: now - 60_000, until: now + 1 };
    await store.events.received('acme', window, 10);
    await store.events.received('acme', { ...window, after: { receivedAt: now, id: stored!.event.id } }, 10);
    await store.events.getMany('acme', [stored!.event.id]);
    await store.webhooks.recoverable('acme', webhook.id, [stored!.event.id]);
    await store.webhooks.requeue('acme', webhook.id, [{ eventId: stored!.event.id, eventType: 'order.paid', kind: 'failed' }], () => newId('dlv'), now);
    await store.deliveries.list('acme', { limit: 10, held: true });
    await store.deliveries.list('acme', { limit: 10, held: false, before: 'dlv_zzz' });
    await store.webhooks.disable('acme', webhook.id, 'test', now);
    await store.deliveries.cancelPending('acme', webhook.id, now);
    // Retention: finished deliveries through their own index, old events through the primary key.
    await store.prune(now + 1, 100);
    await store.webhooks.delete('acme', webhook.id);

    const db = new BetterSqlite3(path, { readonly: true });
    try {
      const scans: string[] = [];
      const history: string[] = [];
      let checked = 0;
      const recovery: string[] = [];
      for (const sql of statements) {
        if (NOT_QUERIES.test(sql)) continue;
        const params = Array.from({ length: sql.split('?').length - 1 }, () => null);
        const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
        checked++;
        if (/"event_id" in .* "webhook_id" = \?/.test(sql)) recovery.push(plan.map((p) => p.detail).join('; '));
        for (const { detail } of plan) {
          if (GROWING.test(detail) && !/ USING /.test(detail)) scans.push(`${detail}\n    in: ${sql.replace(/\s+/g, ' ')}`);
          if (queue.has(sql) && HISTORY.test(detail)) history.push(`${detail}\n    in: ${sql.replace(/\s+/g, ' ')}`);
        }
      }
      assert.ok(checked >= 20, `only ${checked} statements seen`);
      assert.deepEqual(scans, [], 'full-table scans');
      // A page's deliveries to one webhook, found by their events: the webhook's own index would read its whole history.
      assert.equal(recovery.length, 1, 'the recoverable statement was checked');
      assert.match(recovery[0]!, /USING INDEX deliveries_event\b/);
      assert.ok(queue.size >= 6, `only ${queue.size} of the dispatcher's statements seen`);
      assert.deepEqual(history, [], "the dispatcher's statements read the log's indexes");
    } finally {
      db.close();
    }
  });
});
