// A webhook's limits as every worker shares them. Slots: one row per slot, taken by the first
// free one (SKIP LOCKED on PostgreSQL: two workers taking at once never wait on each other, and
// never both get the same); a slot is free once given back or once its holder has stopped
// renewing it (a dead worker's). Rate: one GCRA cell per webhook, the time the next request may
// go; a request takes it if that is no later than `now` plus the burst's allowance, and moves it
// on by one interval. Each is one statement on the queue's connections.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Store } from '../store.ts';
import type { ClaimLock } from './deliveries.ts';
import { bigint, text } from './completions.ts';

export function limitQueries(db: Kysely<Database>, claimLock: ClaimLock): Store['limits'] {
  // Slot rows, made once per webhook and size in this process: a taking statement only updates.
  const made = new Set<string>();
  async function makeSlots(webhookId: string, max: number): Promise<void> {
    const key = `${webhookId}\n${max}`;
    if (made.has(key)) return;
    const rows = Array.from({ length: max }, (_, slot) => ({ webhook_id: webhookId, slot, holder: null, held_until: 0 }));
    await db.insertInto('webhook_slots').values(rows).onConflict((oc) => oc.columns(['webhook_id', 'slot']).doNothing()).execute();
    made.add(key);
  }
  const madeRates = new Set<string>();

  return {
    async enter(webhookId, max, holder, until, now) {
      await makeSlots(webhookId, max);
      const { rows } = await sql<{ slot: number }>`
        UPDATE webhook_slots SET holder = ${text(holder)}, held_until = ${bigint(until)}
        WHERE webhook_id = ${webhookId} AND slot = (
          SELECT slot FROM webhook_slots WHERE webhook_id = ${webhookId} AND slot < ${max} AND held_until < ${bigint(now)}
          ORDER BY slot LIMIT 1 ${claimLock})
        RETURNING slot`.execute(db);
      return rows.length > 0;
    },
    async leave(webhookId, holder) {
      await db.updateTable('webhook_slots').set({ holder: null, held_until: 0 }).where('webhook_id', '=', webhookId).where('holder', '=', holder).execute();
    },
    async renew(holders, until) {
      if (holders.length === 0) return;
      await db.updateTable('webhook_slots').set({ held_until: until }).where('holder', 'in', [...holders]).execute();
    },
    async take(webhookId, rate, burst, now) {
      if (!madeRates.has(webhookId)) {
        await db.insertInto('webhook_rates').values({ webhook_id: webhookId, next_at: 0 }).onConflict((oc) => oc.column('webhook_id').doNothing()).execute();
        madeRates.add(webhookId);
      }
      const interval = 1000 / rate;
      const allowance = (burst - 1) * interval; // how far ahead of now the cell may run
      const { rows } = await sql<{ next_at: number }>`
        UPDATE webhook_rates SET next_at = (CASE WHEN next_at > ${now} THEN next_at ELSE ${now} END) + ${interval}
        WHERE webhook_id = ${webhookId} AND next_at <= ${now + allowance}
        RETURNING next_at`.execute(db);
      if (rows.length > 0) return 0;
      const row = await db.selectFrom('webhook_rates').select('next_at').where('webhook_id', '=', webhookId).executeTakeFirst();
      return row ? Math.max(1, Math.ceil(Number(row.next_at) - allowance - now)) : 1;
    },
  };
}
