// Assembles the Store from the per-table queries. The engines differ only in how they connect
// and how a claim locks rows; everything else is this one query codebase.
//
// Lock order (PostgreSQL; SQLite has one writer). A transaction that locks rows of several
// tables takes them in this order, and rows of one table in id order, so that two transactions
// never each hold what the other waits for:
//   1. webhooks, by id: ingest's foreign-key checks (FOR KEY SHARE; PostgreSQL's one-statement
//      ingest too), the result writer's FOR NO KEY UPDATE (only of the records that change: a
//      healthy webhook's successes leave its row alone, completions.ts), updating or disabling
//      a webhook (NO KEY UPDATE), deleting one (FOR UPDATE);
//      KEY SHARE and NO KEY UPDATE do not conflict, so ingest and the workers never wait on
//      each other here — except over a webhook disabled by its failure policy, which ingest
//      holds FOR SHARE while it queues held deliveries for it (events.ts), and recovery's
//      requeue, FOR NO KEY UPDATE (recovery.ts);
//   2. events (ingest inserts them before their deliveries);
//   3. deliveries, by id: the result writer, holding and releasing a webhook's deliveries; claims
//      skip locked rows rather than wait (SKIP LOCKED);
//   4. attempts (inserted last).
// Retention (retention.ts) deletes deliveries then their attempts in one transaction, and old
// events in another after it, choosing rows with SKIP LOCKED so it waits on nobody.
// A deadlock or serialization failure that happens anyway is retried by the store (guard.ts).
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { guardStore, storeHealth } from '../guard.ts';
import { migrateToLatest } from '../migrations/index.ts';
import type { Database } from '../schema.ts';
import type { DueSignal, Engine, Store } from '../store.ts';
import { eventTypeQueries, settingsQueries, tenantQueries, tokenQueries } from './catalog.ts';
import { deliveryQueries, type ClaimLock } from './deliveries.ts';
import { eventQueries, type IngestStatement } from './events.ts';
import { deliveryLog } from './delivery-log.ts';
import type { SecretBox } from './secrets.ts';
import { webhookQueries } from './webhooks.ts';
import { limitQueries } from './limits.ts';
import { attemptQueries, noticeQueries } from './notices.ts';
import { pruneQuery } from './retention.ts';

export interface EngineParts {
  engine: Engine;
  db: Kysely<Database>;
  claimLock: ClaimLock;
  box: SecretBox;
  dueSignal?: DueSignal;
  /** Connections for the dispatcher's claims and results; `db` unless the engine has its own. */
  queueDb?: Kysely<Database>;
  /** Where the database's going and coming back is told. */
  log?: Logger | undefined;
  /** An ingest in one statement, for the engine that can (kysely/events.ts). */
  ingestStatement?: IngestStatement | undefined;
}

/** One process delivers (SQLite's single writer): its dispatcher is woken in-process. */
const localOnly: DueSignal = { notify() {}, async listen() {}, async close() {} };

export function kyselyStore({ engine, db, claimLock, box, dueSignal = localOnly, queueDb = db, log, ingestStatement }: EngineParts): Store {
  return guardStore({
    engine,
    dueSignal,
    async migrate() {
      await migrateToLatest(db);
    },
    async close() {
      await dueSignal.close();
      if (queueDb !== db) await queueDb.destroy();
      await db.destroy();
    },
    async ping() {
      await sql`SELECT 1`.execute(db);
    },
    prune: pruneQuery(db, claimLock, engine),
    settings: settingsQueries(db),
    tenants: tenantQueries(db),
    tokens: tokenQueries(db),
    eventTypes: eventTypeQueries(db),
    webhooks: webhookQueries(db, box, engine === 'postgres'),
    events: eventQueries(db, box, engine, ingestStatement),
    notices: noticeQueries(db),
    attempts: attemptQueries(db),
    limits: limitQueries(queueDb, claimLock),
    deliveries: { ...deliveryQueries({ db, queue: queueDb, box, claimLock, lockRows: engine === 'postgres', engine }), list: deliveryLog(db) },
  }, storeHealth(engine, log));
}
