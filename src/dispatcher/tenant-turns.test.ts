// A delivery given back while the database is away must not stay leased to this worker for
// ever: the fault suite lost 7 deliveries so (their release failed, and the lease keeper went on
// renewing their leases, since the store still had them leased to this worker).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ClaimedDelivery, Store } from '../store/store.ts';
import { StoreUnavailableError } from '../store/faults.ts';
import { createLeaseKeeper } from './lease-keeper.ts';
import type { createLanes } from './lanes.ts';
import { createTenantShares } from './tenant-shares.ts';
import { createTenantTurns, type Waiter } from './tenant-turns.ts';

const claimed = { delivery: { id: 'dlv_1', tenantId: 'acme', webhookId: 'wh_1' }, leaseId: 'lse_1', webhook: null, event: {} } as unknown as ClaimedDelivery;

describe('tenant turns', () => {
  it('lets go of a delivery it gives back, even when the store cannot take it back', async () => {
    // The database refuses the release; the lease stays in the store, so a renewal would keep it.
    const store = {
      deliveries: {
        release: async () => { throw new StoreUnavailableError('postgres', 'the server refuses connections'); },
      },
    } as unknown as Store;
    const log = pino({ level: 'silent' });
    const leases = createLeaseKeeper({ store, leaseMs: 3_000, log, now: Date.now });
    const turns = createTenantTurns({
      store, lanes: {} as ReturnType<typeof createLanes>, shares: createTenantShares<Waiter>({ slots: 4, reserve: 0, guaranteed: 1, waitingMax: 4 }),
      limitsOf: () => ({ maxConcurrency: 1, rateLimit: null }), waitMs: 1_000, log, now: Date.now, released: () => {}, letGo: leases.drop,
    });
    leases.keep(claimed);
    turns.giveBack({ claimed, fromLane: false });
    await turns.settled();
    assert.equal(leases.size, 0, 'no longer held here: its lease runs out and another claim takes it');
  });
});
