// What a webhook's owner chooses beyond its URL: a condition, and the options of the payload
// formats (a template and its content type, form fields, the audit format's export key).
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  for (const column of ['condition', 'template', 'content_type', 'form_fields', 'export_key']) {
    await db.schema.alterTable('webhooks').addColumn(column, 'text').execute();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['condition', 'template', 'content_type', 'form_fields', 'export_key']) {
    await db.schema.alterTable('webhooks').dropColumn(column).execute();
  }
}
