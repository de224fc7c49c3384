// Lanes for saturated webhooks: a delivery its webhook cannot take yet (at its concurrency cap
// with a full queue, out of rate-limit tokens, circuit open) is parked under the webhook's id,
// and the dispatcher claims that webhook's parked deliveries, in creation order, as it has room.
// Only parked rows enter this index: every other delivery leaves parked_for NULL and pays nothing.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('parked_for', 'text').execute();
  await db.schema.createIndex('deliveries_parked').on('deliveries').columns(['parked_for', 'id'])
    .where(sql.ref('parked_for'), 'is not', null).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries_parked').execute();
  await db.schema.alterTable('deliveries').dropColumn('parked_for').execute();
}
