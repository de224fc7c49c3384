// Credentials as operators expect them (issue 19): tenant tokens get a name and the last
// characters of their value (to tell them apart in a listing, never to look them up); webhooks
// name the header values sealed at rest; a plain admin token stored by an older version becomes
// its SHA-256 hash, so the database holds no usable admin credential.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

const PLAIN_KEY = 'admin_token';
const ADMIN_TOKEN_HASH_KEY = 'admin_token_hash'; // services/auth.ts reads it

/** Replaces a stored plain admin token by its hash (services/auth.ts compares hashes). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function hashPlainAdminToken(db: Kysely<any>): Promise<void> {
  const row = await db.selectFrom('relais_settings').select('value').where('key', '=', PLAIN_KEY).executeTakeFirst() as { value: string } | undefined;
  if (!row) return;
  const hash = createHash('sha256').update(row.value).digest('hex');
  await db.insertInto('relais_settings').values({ key: ADMIN_TOKEN_HASH_KEY, value: hash }).onConflict((oc) => oc.column('key').doNothing()).execute();
  await db.deleteFrom('relais_settings').where('key', '=', PLAIN_KEY).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tokens').addColumn('name', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('last_chars', 'text').execute();
  // Listing a tenant's tokens, newest first, without a scan.
  await db.schema.createIndex('tokens_tenant').on('tokens').columns(['tenant_id', 'id']).execute();
  await db.schema.alterTable('webhooks').addColumn('secret_headers', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await hashPlainAdminToken(db); // inside the migration's transaction where the engine has one
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').dropColumn('secret_headers').execute();
  await db.schema.dropIndex('tokens_tenant').execute();
  await db.schema.alterTable('tokens').dropColumn('last_chars').execute();
  await db.schema.alterTable('tokens').dropColumn('name').execute();
}
