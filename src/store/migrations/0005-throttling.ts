// Per-webhook throttles: how many requests at once, and how many per second.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('max_concurrency', 'integer').execute();
  await db.schema.alterTable('webhooks').addColumn('rate_limit', 'real').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').dropColumn('rate_limit').execute();
  await db.schema.alterTable('webhooks').dropColumn('max_concurrency').execute();
}
