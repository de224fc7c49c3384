// A webhook's target may be a broker (issue 21), its URL carrying a password
// (amqp://user:pass@host/…). The password is sealed at rest like the signing secret: `url` keeps
// the URL with `[redacted]` in its place, and `url_password` holds it, sealed with
// RELAIS_ENCRYPTION_KEY (plain without one, as every secret); null when the URL has none.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('url_password', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').dropColumn('url_password').execute();
}
