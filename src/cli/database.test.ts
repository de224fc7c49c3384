// The database a command says it uses, and the commands that may not create a new SQLite file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../config-error.ts';
import { describeDatabase, requireExistingDatabase, withoutPassword } from './database.ts';

describe('cli database', () => {
  it('says the SQLite file as an absolute path, and PostgreSQL without its password', () => {
    assert.equal(describeDatabase({ databaseUrl: undefined, sqlitePath: './relais.db' }), `SQLite (${resolve('relais.db')})`);
    assert.equal(describeDatabase({ databaseUrl: 'postgres://relais:hunter2@db:5432/relais', sqlitePath: './relais.db' }), 'PostgreSQL (postgres://relais:***@db:5432/relais)');
    assert.equal(withoutPassword('postgresql://db/relais?user=relais&password=hunter2&sslmode=require'), 'postgresql://db/relais?user=relais&password=***&sslmode=require');
    assert.equal(withoutPassword('postgres://relais@db/relais'), 'postgres://relais@db/relais');
  });

  it('refuses to create a new SQLite file, naming the path it looked for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relais-db-'));
    try {
      const config = { databaseUrl: undefined, sqlitePath: join(dir, 'relais.db') };
      assert.throws(() => requireExistingDatabase(config, 'send'), (err: unknown) =>
        err instanceof ConfigError && err.exitCode === 2 && err.problems.length === 1
        && err.problems[0]!.startsWith(`RELAIS_DB: no SQLite database at ${join(dir, 'relais.db')};`) && /`relais serve` \(or `relais migrate`\) creates it/.test(err.message));
      writeFileSync(config.sqlitePath, '');
      requireExistingDatabase(config, 'send');
      requireExistingDatabase({ databaseUrl: 'postgres://db/relais', sqlitePath: join(dir, 'absent.db') }, 'send');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
