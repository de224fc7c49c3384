import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTenantShares } from './tenant-shares.ts';

const settings = { slots: 16, reserve: 4, guaranteed: 2, waitingMax: 8 };

/** Admits `n` deliveries of the tenant; returns the verdicts. */
function admitMany(shares: ReturnType<typeof createTenantShares<string>>, tenant: string, n: number, now = 0): string[] {
  return Array.from({ length: n }, (_, i) => shares.admit(tenant, `${tenant}${i}`, now));
}

describe('tenant shares', () => {
  it('lets a tenant alone borrow every slot but the reserve', () => {
    const shares = createTenantShares<string>(settings);
    const verdicts = admitMany(shares, 'a', 14);
    assert.deepEqual(verdicts.filter((v) => v === 'go').length, 12, 'slots − reserve');
    assert.deepEqual(verdicts.slice(12), ['wait', 'wait']);
    assert.equal(shares.holding('a'), 12);
    assert.deepEqual(shares.skipped(), ['a']);
  });

  it('keeps the reserve for tenants below their guarantee, whoever holds the rest', () => {
    const shares = createTenantShares<string>(settings);
    assert.deepEqual(admitMany(shares, 'a', 21).filter((v) => v === 'wait').length, 8, 'a waits, as many as may wait');
    assert.deepEqual(admitMany(shares, 'b', 3), ['go', 'go', 'return'], 'b takes its guarantee from the reserve, no more while it is short');
    assert.deepEqual(admitMany(shares, 'c', 2), ['go', 'go'], 'so does c');
    assert.equal(shares.busy, 16);
    assert.deepEqual(shares.skipped().sort(), ['a', 'b', 'c']);
    assert.equal(shares.mayTake('d'), false, 'every slot is taken');
  });

  it('with no reserve, shares first come, first served (the policy off)', () => {
    const shares = createTenantShares<string>({ ...settings, reserve: 0 });
    assert.ok(admitMany(shares, 'a', 16).every((v) => v === 'go'));
    assert.deepEqual(admitMany(shares, 'b', 1), ['wait']);
  });

  it('hands a freed slot to a waiting delivery, the tenant holding fewest first, each tenant in arrival order', () => {
    const shares = createTenantShares<string>(settings);
    admitMany(shares, 'a', 14, 1); // a0..a11 go; a12, a13 wait
    admitMany(shares, 'b', 2, 2); // both go, from the reserve
    assert.equal(shares.admit('b', 'b-late', 3), 'wait');
    shares.leave('a'); // 13 busy, 3 free: neither a (11) nor b (2, its guarantee) may take one
    assert.equal(shares.next(), undefined);
    for (let i = 0; i < 2; i++) shares.leave('a'); // 11 busy, 5 free: one may go with the reserve kept
    assert.equal(shares.next(), 'b-late', 'b holds fewer (2 against 9)');
    assert.equal(shares.next(), undefined, 'the reserve again');
    shares.leave('a');
    assert.equal(shares.next(), 'a12');
    shares.leave('a');
    assert.equal(shares.next(), 'a13', 'in arrival order');
    assert.equal(shares.waiting, 0);
    assert.equal(shares.holding('a'), 9);
    assert.equal(shares.room('a'), 0, '4 free: the reserve');
    assert.equal(shares.room('e'), 2, 'a newcomer: its guarantee');
  });

  it('skips a tenant while its deliveries wait, even with room for it, so they go first', () => {
    const shares = createTenantShares<string>(settings);
    admitMany(shares, 'a', 13);
    shares.leave('a');
    assert.equal(shares.mayTake('a'), false);
    assert.equal(shares.room('a'), 0);
    assert.deepEqual(shares.skipped(), ['a']);
    assert.equal(shares.admit('a', 'late', 0), 'wait', 'behind the one waiting');
    assert.equal(shares.next(), 'a12');
  });

  it('gives back deliveries that waited too long, and all of them on stop', () => {
    const shares = createTenantShares<string>(settings);
    admitMany(shares, 'a', 12, 0);
    shares.admit('a', 'old', 10);
    shares.admit('a', 'new', 20);
    shares.admit('b', 'b', 0);
    assert.deepEqual(shares.expired(15), ['old']);
    assert.equal(shares.waiting, 1);
    assert.deepEqual(shares.clear(), ['new']);
    assert.deepEqual(shares.skipped(), ['a'], 'still at its limit, nothing waiting');
  });

  it('frees the books of a tenant whose slots all ended', () => {
    const shares = createTenantShares<string>(settings);
    admitMany(shares, 'a', 3);
    for (let i = 0; i < 3; i++) shares.leave('a');
    assert.equal(shares.busy, 0);
    assert.equal(shares.holding('a'), 0);
    assert.deepEqual(shares.skipped(), []);
  });
});
