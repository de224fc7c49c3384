// What the seed products' receivers depend on, per webhook: how it signs (Standard Webhooks, or
// Frappe's one header), how its templates read (Frappe's None), how long it waits and whether it
// follows redirects, and whether failures may disable it (HireHop never does). A tenant may hold
// one export key for all its webhooks, as HireHop's company settings do.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('signature_scheme', 'text', (c) => c.notNull().defaultTo('standard')).execute();
  await db.schema.alterTable('webhooks').addColumn('template_dialect', 'text', (c) => c.notNull().defaultTo('jinja')).execute();
  await db.schema.alterTable('webhooks').addColumn('timeout_ms', 'integer').execute();
  await db.schema.alterTable('webhooks').addColumn('follow_redirects', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('webhooks').addColumn('auto_disable', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('tenants').addColumn('export_key', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tenants').dropColumn('export_key').execute();
  for (const column of ['auto_disable', 'follow_redirects', 'timeout_ms', 'template_dialect', 'signature_scheme']) {
    await db.schema.alterTable('webhooks').dropColumn(column).execute();
  }
}
