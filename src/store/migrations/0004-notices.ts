// Notices to a tenant's owners (a webhook disabled…): kept whether or not email is configured,
// so nothing is lost when SMTP is down or unset. Also an index for a webhook's latest attempts.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('emailed_at', 'bigint')
    .addColumn('email_error', 'text')
    .execute();
  await db.schema.createIndex('notices_tenant').on('notices').columns(['tenant_id', 'id']).execute();
  await db.schema.createIndex('attempts_webhook').on('attempts').columns(['webhook_id', 'id']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('attempts_webhook').execute();
  await db.schema.dropTable('notices').execute();
}
