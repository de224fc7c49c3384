import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConflict, StoreUnavailableError, unavailableReason } from './faults.ts';
import { guardStore, storeHealth } from './guard.ts';
import type { Store } from './store.ts';

const pgError = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('store faults', () => {
  it('tells an unreachable database from a bad statement', () => {
    for (const err of [
      pgError('57P01', 'terminating connection due to administrator command'), pgError('57P03', 'the database system is starting up'),
      pgError('08006'), pgError('53300'), pgError('ECONNREFUSED'), pgError('ECONNRESET'), new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'), new Error('Client has encountered a connection error and is not queryable'),
      pgError('SQLITE_BUSY'), pgError('SQLITE_FULL'), pgError('SQLITE_IOERR_WRITE'), pgError('SQLITE_READONLY'),
    ]) assert.ok(unavailableReason(err), `${(err as { code?: string }).code ?? err.message} is unavailability`);
    for (const err of [pgError('23505'), pgError('22P02'), pgError('40P01'), pgError('SQLITE_CONSTRAINT_UNIQUE'), new Error('boom'), new TypeError('x is undefined')]) {
      assert.equal(unavailableReason(err), undefined, `${(err as { code?: string }).code ?? err.message} is not`);
    }
    assert.ok(isConflict(pgError('40P01')) && isConflict(pgError('40001')) && !isConflict(pgError('23505')));
  });

  it('guards every call: collisions run again, unavailability becomes one error, the health follows', async () => {
    let calls = 0;
    let down = false;
    const fake = {
      engine: 'postgres',
      ping: async () => {},
      tenants: {
        get: async () => {
          calls++;
          if (down) throw pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
          if (calls < 3) throw pgError('40P01', 'deadlock detected');
          return 'ok';
        },
      },
    } as unknown as Omit<Store, 'health'>;
    for (const group of ['settings', 'tokens', 'eventTypes', 'webhooks', 'events', 'notices', 'attempts', 'limits', 'deliveries']) (fake as unknown as Record<string, object>)[group] = {};
    const store = guardStore(fake, storeHealth('postgres'));
    assert.equal(await store.tenants.get('a'), 'ok');
    assert.equal(calls, 3, 'two deadlocks, then the third run');
    assert.deepEqual(store.health(), { engine: 'postgres', up: true });

    down = true;
    const err = await store.tenants.get('a').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError);
    assert.equal(err.reason, 'the server refuses connections');
    assert.doesNotMatch(err.message, /127\.0\.0\.1/, 'no address in what the API may show');
    const health = store.health();
    assert.equal(health.up, false);
    down = false;
    await store.tenants.get('a');
    assert.equal(store.health().up, true);
  });
});
