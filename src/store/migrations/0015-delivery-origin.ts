// A delivery made by hand (integrators issue): `origin` says what made it — null for an event's
// own delivery (ingest writes nothing more), else 'resend' or 'recovery' — and
// `message_id` is the webhook-id its requests carry when it is not its own id: a resend or a
// recovery of a failed delivery keeps the first delivery's, so receivers that de-duplicate on
// webhook-id see one message.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('origin', 'text').execute();
  await db.schema.alterTable('deliveries').addColumn('message_id', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deliveries').dropColumn('message_id').execute();
  await db.schema.alterTable('deliveries').dropColumn('origin').execute();
}
