// The queue index gains the id: claims take due rows in (due_at, id) order, and with due_at
// alone both engines sorted every due row to break ties — a full sort per claim under a backlog.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries_due').execute();
  await db.schema.createIndex('deliveries_due').on('deliveries').columns(['due_at', 'id'])
    .where(sql.ref('status'), 'in', ['pending', 'delivering']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries_due').execute();
  await db.schema.createIndex('deliveries_due').on('deliveries').column('due_at')
    .where(sql.ref('status'), 'in', ['pending', 'delivering']).execute();
}
