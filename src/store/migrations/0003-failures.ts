// Secret rotation (the previous secret keeps signing until the overlap ends) and the failure
// record that auto-disable decides on.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('previous_secret', 'text').execute();
  await db.schema.alterTable('webhooks').addColumn('previous_secret_until', 'bigint').execute();
  await db.schema.alterTable('webhooks').addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('webhooks').addColumn('failing_since', 'bigint').execute();
  await db.schema.alterTable('webhooks').addColumn('last_success_at', 'bigint').execute();
  await db.schema.alterTable('webhooks').addColumn('disabled_reason', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['previous_secret', 'previous_secret_until', 'consecutive_failures', 'failing_since', 'last_success_at', 'disabled_reason']) {
    await db.schema.alterTable('webhooks').dropColumn(c).execute();
  }
}
