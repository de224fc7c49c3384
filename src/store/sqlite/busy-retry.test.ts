// A write that finds SQLite's lock taken waits for it without blocking the thread: here the lock
// is released by a timer on this same thread, which could never fire if the waiting write held
// the event loop (as SQLite's own busy handler does, sleeping synchronously).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import { secretBox } from '../kysely/secrets.ts';
import type { Store } from '../store.ts';
import { sqliteStore } from './engine.ts';
import { newWebhook } from '../../../test/helpers/webhooks.ts';

describe('SQLite: a busy write waits without blocking', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relais-busy-'));
  const path = join(dir, 'relais.db');
  let store: Store;
  let other: BetterSqlite3.Database;
  before(async () => {
    store = sqliteStore(path, secretBox(undefined));
    await store.migrate();
    other = new BetterSqlite3(path); // another thread's or process's connection
  });
  after(async () => {
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an autocommit write and a transaction both wait for the lock, then succeed', async () => {
    other.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const ticker = setInterval(() => { ticks++; }, 5);
    setTimeout(() => other.exec('COMMIT'), 100);
    const started = Date.now();
    const [created, type] = await Promise.all([
      store.tenants.create({ id: 'acme', name: 'Acme', notifyEmails: [] }, 1), // one INSERT
      store.eventTypes.upsert({ name: 'order.paid', description: null, schema: null, example: null, filters: [] }, 1),
    ]).finally(() => clearInterval(ticker));
    assert.ok(Date.now() - started >= 90, 'it did wait for the other connection');
    assert.ok(ticks >= 5, `the event loop ran meanwhile (${ticks} ticks)`);
    assert.equal(created?.id, 'acme');
    assert.equal(type.eventType.name, 'order.paid');
  });

  it('still fails on other errors at once', async () => {
    await assert.rejects(store.webhooks.create(newWebhook('nobody', ['x']), 1), /FOREIGN KEY/);
  });
});
