// The counting proxy of `--scenario round-trips` (bench/pg-wire.ts): each round trip and each
// statement a client makes through it is counted exactly, whatever protocol it speaks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { startPgWireCounter } from '../../bench/pg-wire.ts';
import { PG_BASE_URL } from '../helpers/engines.ts';

describe('the PostgreSQL round-trip counter', () => {
  it('counts a simple query, an extended one and a transaction, and keeps their texts', async () => {
    const proxy = await startPgWireCounter(PG_BASE_URL);
    const client = new pg.Client({ connectionString: proxy.url });
    try {
      await client.connect();
      const start = proxy.totals();
      assert.equal(start.connections, 1);
      proxy.take();
      await client.query('SELECT 1'); // simple protocol: Query → ReadyForQuery
      await client.query('SELECT $1::int AS n', [2]); // extended: Parse, Bind, Describe, Execute, Sync → ReadyForQuery
      await client.query('BEGIN');
      await client.query('SELECT $1::text AS t', ['x'.repeat(100_000)]); // a message split over many TCP chunks
      await client.query('COMMIT');
      const end = proxy.totals();
      assert.equal(end.roundTrips - start.roundTrips, 5);
      assert.equal(end.statements - start.statements, 5);
      assert.deepEqual(proxy.take(), ['SELECT 1', 'SELECT $1::int AS n', 'BEGIN', 'SELECT $1::text AS t', 'COMMIT']);
    } finally {
      await client.end();
      await proxy.close();
    }
  });
});
