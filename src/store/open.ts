// Picks the engine: PostgreSQL when DATABASE_URL is set, the SQLite file otherwise.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { secretBox } from './kysely/secrets.ts';
import { postgresStore } from './postgres/engine.ts';
import { sqliteStore } from './sqlite/engine.ts';
import type { Store } from './store.ts';

export function openStore(config: Pick<Config, 'databaseUrl' | 'sqlitePath' | 'encryptionKey'> & Partial<Pick<Config, 'processId'>>, log?: Logger): Store {
  const box = secretBox(config.encryptionKey);
  // The error carries its pg client (with connection details): log only what it says.
  const onIdleError = (err: Error & { code?: string }): void => log?.warn({ code: err.code, reason: err.message }, 'a PostgreSQL connection failed; it is replaced');
  return config.databaseUrl ? postgresStore(config.databaseUrl, box, { onIdleError, processId: config.processId, log }) : sqliteStore(config.sqlitePath, box, undefined, log);
}
