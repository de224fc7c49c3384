// Order when asked: an event may carry an ordering_key; a webhook with ordering "key" gets the
// events of one key in the order they were accepted. Its deliveries carry the key, and each one
// behind a live delivery of the same key waits, blocked (no due time), until that one succeeds,
// finally fails or is cancelled: then the next one of the key falls due. The index finds a key's
// deliveries of a webhook in creation order; only keyed deliveries enter it.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('events').addColumn('ordering_key', 'text').execute();
  await db.schema.alterTable('webhooks').addColumn('ordering', 'text', (c) => c.notNull().defaultTo('none')).execute();
  await db.schema.alterTable('deliveries').addColumn('ordering_key', 'text').execute();
  await db.schema.alterTable('deliveries').addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('deliveries_ordering').on('deliveries').columns(['webhook_id', 'ordering_key', 'id'])
    .where(sql.ref('ordering_key'), 'is not', null).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries_ordering').execute();
  await db.schema.alterTable('deliveries').dropColumn('blocked').execute();
  await db.schema.alterTable('deliveries').dropColumn('ordering_key').execute();
  await db.schema.alterTable('webhooks').dropColumn('ordering').execute();
  await db.schema.alterTable('events').dropColumn('ordering_key').execute();
}
