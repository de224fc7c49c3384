// Picks the engine: PostgreSQL when DATABASE_URL is set, the SQLite file otherwise.
import type { Config } from '../config.ts';
import { secretBox } from './kysely/secrets.ts';
import { postgresStore } from './postgres/engine.ts';
import { sqliteStore } from './sqlite/engine.ts';
import type { Store } from './store.ts';

export function openStore(config: Pick<Config, 'databaseUrl' | 'sqlitePath' | 'encryptionKey'>): Store {
  const box = secretBox(config.encryptionKey);
  return config.databaseUrl ? postgresStore(config.databaseUrl, box) : sqliteStore(config.sqlitePath, box);
}
