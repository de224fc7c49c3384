// Which database a command works on, said so the user can check it, and who may start a new
// one. The SQLite path is relative to the current directory: `relais send` run from another
// directory would open (and create) another, empty file and report "tenant does not exist".
// So only `relais serve` and `relais migrate` create it; `send` and `import` refuse.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config.ts';
import { ConfigError } from '../config-error.ts';

type Where = Pick<Config, 'databaseUrl' | 'sqlitePath'>;

/** A connection URL with its password hidden, in the userinfo or as a `password` parameter. */
export function withoutPassword(url: string): string {
  if (!URL.canParse(url)) return '(not a URL)';
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}

/** `SQLite (/abs/path/relais.db)` or `PostgreSQL (postgres://relais:***@db:5432/relais)`. */
export function describeDatabase(config: Where): string {
  return config.databaseUrl ? `PostgreSQL (${withoutPassword(config.databaseUrl)})` : `SQLite (${resolve(config.sqlitePath)})`;
}

/** Stops `command` (exit 2) when it would create a new SQLite file rather than use the server's. */
export function requireExistingDatabase(config: Where, command: string): void {
  if (config.databaseUrl) return;
  const path = resolve(config.sqlitePath);
  if (existsSync(path)) return;
  throw new ConfigError([
    `RELAIS_DB: no SQLite database at ${path}; \`relais serve\` (or \`relais migrate\`) creates it. Run \`relais ${command}\` with the server's RELAIS_DB or DATABASE_URL, or from its directory`,
  ]);
}
