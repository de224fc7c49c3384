// Assembles the Store from the per-table queries. The engines differ only in how they connect
// and how a claim locks rows; everything else is this one query codebase.
import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from '../migrations/index.ts';
import type { Database } from '../schema.ts';
import type { DueSignal, Engine, Store } from '../store.ts';
import { eventTypeQueries, settingsQueries, tenantQueries, tokenQueries } from './catalog.ts';
import { deliveryQueries, type ClaimLock } from './deliveries.ts';
import { eventQueries } from './events.ts';
import type { SecretBox } from './secrets.ts';
import { webhookQueries } from './webhooks.ts';
import { attemptQueries, noticeQueries } from './notices.ts';

export interface EngineParts {
  engine: Engine;
  db: Kysely<Database>;
  claimLock: ClaimLock;
  box: SecretBox;
  dueSignal?: DueSignal;
  /** Connections for the dispatcher's claims and results; `db` unless the engine has its own. */
  queueDb?: Kysely<Database>;
}

/** One process delivers (SQLite's single writer): its dispatcher is woken in-process. */
const localOnly: DueSignal = { notify() {}, async listen() {}, async close() {} };

export function kyselyStore({ engine, db, claimLock, box, dueSignal = localOnly, queueDb = db }: EngineParts): Store {
  return {
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
    settings: settingsQueries(db),
    tenants: tenantQueries(db),
    tokens: tokenQueries(db),
    eventTypes: eventTypeQueries(db),
    webhooks: webhookQueries(db, box),
    events: eventQueries(db, box),
    notices: noticeQueries(db),
    attempts: attemptQueries(db),
    deliveries: deliveryQueries({ db, queue: queueDb, box, claimLock, lockRows: engine === 'postgres' }),
  };
}
