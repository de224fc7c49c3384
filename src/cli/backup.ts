// `relais backup <file>`: a consistent copy of the SQLite database, taken while Relais runs.
// SQLite's online backup API (better-sqlite3's `db.backup()`) copies every page under one read
// transaction: in WAL mode writers carry on meanwhile, and the copy is the database as it was
// when the copy began. Restoring is: stop Relais, copy the file over RELAIS_DB (remove the old
// file's -wal and -shm), start Relais (docs/operations.md). PostgreSQL is pg_dump's business.
import { existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { describeDatabase, requireExistingDatabase } from './database.ts';

/** Every page in one step: one read transaction, so writers in other processes cannot make it start over. */
const ALL_PAGES = 0x7fffffff;

export async function backup(file: string): Promise<void> {
  const config = loadConfig();
  if (config.databaseUrl) {
    throw new ConfigError([`DATABASE_URL is set: \`relais backup\` copies the SQLite database only; back PostgreSQL up with \`pg_dump -Fc\` (docs/operations.md)`]);
  }
  requireExistingDatabase(config, 'backup');
  const source = resolve(config.sqlitePath);
  const target = resolve(file);
  if (existsSync(target)) throw new Error(`${target} exists: \`relais backup\` never overwrites a file; name a new one`);
  if (!existsSync(dirname(target)) || !statSync(dirname(target)).isDirectory()) throw new Error(`${dirname(target)} is not a directory`);

  // Written under a temporary name, then linked to `target`: `target` is never a partial copy,
  // and a file made there meanwhile is not overwritten (link fails where rename would replace).
  const partial = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
  const removePartial = (): void => { for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(partial + suffix, { force: true }); };
  removePartial();
  try {
    const db = new BetterSqlite3(source, { fileMustExist: true });
    let pages: number;
    try {
      db.pragma('busy_timeout = 5000'); // the source's read lock, on a busy server's file
      const relais = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'relais_migrations'`).get();
      if (!relais) throw new Error(`${source} is not a Relais database (no relais_migrations table)`);
      pages = (await db.backup(partial, { progress: () => ALL_PAGES })).totalPages;
    } finally {
      db.close();
    }

    const copy = new BetterSqlite3(partial, { fileMustExist: true });
    let check: string;
    try {
      check = (copy.pragma('quick_check', { simple: true }) as string);
    } finally {
      copy.close();
    }
    if (check !== 'ok') throw new Error(`the copy failed its check (PRAGMA quick_check: ${check}); nothing was written to ${target}`);

    try {
      linkSync(partial, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new Error(`${target} exists: \`relais backup\` never overwrites a file; name a new one`);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      // A file system without hard links: check, then rename.
      if (existsSync(target)) throw new Error(`${target} exists: \`relais backup\` never overwrites a file; name a new one`);
      renameSync(partial, target);
    }
    const bytes = statSync(target).size;
    process.stdout.write(`backed up ${describeDatabase(config)} to ${target}: ${pages} pages, ${bytes} bytes, quick_check ok\n`);
  } finally {
    removePartial();
  }
}
