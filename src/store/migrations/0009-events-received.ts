// Recovery (POST …/webhooks/:webhook/recover) pages through a tenant's events in the order Relais
// received them: this index is that order, so each page starts where the last one stopped
// rather than reading the tenant's whole history again.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('events_received').on('events').columns(['tenant_id', 'received_at', 'id']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_received').execute();
}
