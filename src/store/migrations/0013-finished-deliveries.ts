// Retention (issue 19) prunes finished deliveries whose last update is older than RELAIS_RETENTION:
// this index holds only finished rows, in the order the pruner takes them, so a pass reads what
// it deletes and nothing of the queue or of the rows it keeps. The queue's own index
// (deliveries_due) holds only live rows: a delivery moves from one to the other when it finishes.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('deliveries_finished').on('deliveries').columns(['updated_at', 'id'])
    .where(sql.ref('status'), 'in', ['succeeded', 'failed', 'cancelled']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries_finished').execute();
}
