// Waiting for SQLite's write lock without blocking the thread. Two connections write to the file
// (the API thread's and the dispatcher thread's, or another process's); SQLite's own busy handler
// makes a statement that finds the lock taken sleep, synchronously, for 1, 2, 5, 10… ms, and the
// whole event loop of that thread with it. With busy_timeout at 0 a busy statement fails at once,
// and this driver tries it again after yielding to the event loop, then after short sleeps: the
// thread goes on with its HTTP exchanges meanwhile. Only the statement that takes the lock can be
// busy (an autocommit write, or BEGIN IMMEDIATE: see beginTransaction), so a retry never repeats work.
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

const YIELDS = 20; // retries after setImmediate, before sleeping
const MAX_SLEEP_MS = 10;
const GIVE_UP_MS = 5_000; // as busy_timeout was

const isBusy = (err: unknown): boolean => /^SQLITE_BUSY/.test((err as { code?: string }).code ?? '');

function wait(attempt: number): Promise<void> {
  return attempt < YIELDS
    ? new Promise((resolve) => setImmediate(resolve))
    : new Promise((resolve) => setTimeout(resolve, Math.min(attempt - YIELDS + 1, MAX_SLEEP_MS)));
}

function patient(connection: DatabaseConnection): DatabaseConnection {
  return {
    async executeQuery(query) {
      let started: number | undefined; // of the first busy answer: nothing to time when there is none
      for (let attempt = 0; ; attempt++) {
        try {
          return await connection.executeQuery(query);
        } catch (err) {
          started ??= Date.now();
          if (!isBusy(err) || Date.now() - started > GIVE_UP_MS) throw err;
          await wait(attempt);
        }
      }
    },
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  };
}

class PatientDriver extends SqliteDriver {
  #wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();

  /**
   * Kysely's own BEGIN is deferred: a transaction that reads, then writes, fails with
   * SQLITE_BUSY_SNAPSHOT (which no retry can mend) if another connection wrote in between.
   * IMMEDIATE takes the write lock at BEGIN, where a busy answer is retried like any other.
   */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('BEGIN IMMEDIATE'));
  }

  /**
   * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR, …): the
   * ROLLBACK that follows finds none and fails, and that failure would hide the error that
   * matters (the disk is full) from the caller.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } catch (err) {
      if (!/no transaction is active/i.test((err as Error).message)) throw err;
    }
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    let wrapped = this.#wrapped.get(connection);
    if (!wrapped) this.#wrapped.set(connection, (wrapped = patient(connection)));
    return wrapped;
  }
}

/** Kysely's SQLite dialect, retrying busy statements asynchronously (set busy_timeout to 0). */
export class PatientSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new PatientDriver(this.#config);
  }
}
