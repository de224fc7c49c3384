// Attempts stop storing a copy of the body their delivery already has (operations issue,
// retention): a delivery stores the body its attempts send once, in request_body, written with
// its first attempt that sends one; an attempt's `request` then keeps method, URL and headers,
// and a body of its own only when it sent another (its webhook's template was edited in
// between). Rows written before stay as they are: their attempts keep their bodies, and
// reading handles both (kysely/rows.ts, readAttempts). The column is last in the row, so a
// large body sits in SQLite's overflow pages, which the queue's reads of a delivery never touch.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('request_body', 'text').execute();
}

/** Rows a down migration rewrites per statement. */
const BATCH = 500;

/** Down: each attempt that sent its delivery's stored body gets its copy back, then the column goes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  for (let after = '';;) {
    const rows = await db.selectFrom('attempts').innerJoin('deliveries', 'deliveries.id', 'attempts.delivery_id')
      .select(['attempts.id as id', 'attempts.request as request', 'deliveries.request_body as body'])
      .where('deliveries.request_body', 'is not', null).where('attempts.id', '>', after)
      .orderBy('attempts.id').limit(BATCH).execute() as { id: string; request: string; body: string }[];
    for (const r of rows) {
      const request = JSON.parse(r.request) as Record<string, unknown>;
      if (request.body !== undefined) continue;
      await db.updateTable('attempts').set({ request: JSON.stringify({ ...request, body: r.body }) }).where('id', '=', r.id).execute();
    }
    if (rows.length < BATCH) break;
    after = rows.at(-1)!.id;
  }
  await db.schema.alterTable('deliveries').dropColumn('request_body').execute();
}
