// A webhook's max_concurrency and rate_limit, shared by every worker (dispatcher/cluster-limits.ts):
// its concurrency slots, each held by one delivery in flight until it ends or its holder stops
// renewing it; and its rate as one GCRA cell, the theoretical arrival time of the next request.
// They go with their webhook.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('webhook_slots')
    .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('holder', 'text')
    .addColumn('held_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('webhook_slots_pk', ['webhook_id', 'slot'])
    .execute();
  await db.schema.createIndex('webhook_slots_holder').on('webhook_slots').column('holder').where(sql.ref('holder'), 'is not', null).execute();
  await db.schema.createTable('webhook_rates')
    .addColumn('webhook_id', 'text', (c) => c.primaryKey().references('webhooks.id').onDelete('cascade'))
    .addColumn('next_at', 'double precision', (c) => c.notNull().defaultTo(0))
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_rates').execute();
  await db.schema.dropTable('webhook_slots').execute();
}
