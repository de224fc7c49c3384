import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClaimedDelivery } from '../store/store.ts';
import { sharedCredits } from './credits.ts';
import { ingestLeasing } from './ingest-leasing.ts';

const leased = (n: number): ClaimedDelivery[] => Array.from({ length: n }, (_, i) => ({ leaseId: `lse_${i}` }) as unknown as ClaimedDelivery);

describe('the leasing port', () => {
  it('hands over what ingest stored leased, and gives back the slots it did not use', () => {
    const credits = sharedCredits();
    credits.give(10);
    const handed: ClaimedDelivery[][] = [];
    const slots = ingestLeasing(credits, (batch) => handed.push([...batch])).reserve();
    assert.equal(slots.take(4), 4);
    assert.equal(credits.available, 6);
    slots.settle(leased(3));
    assert.equal(credits.available, 7, 'the one slot not used is back');
    assert.deepEqual(handed.map((b) => b.length), [3]);
  });

  it('a transaction run again takes in place of what the first run took, not on top of it', () => {
    const credits = sharedCredits();
    credits.give(5);
    const slots = ingestLeasing(credits, () => assert.fail('nothing was stored')).reserve();
    assert.equal(slots.take(5), 5);
    assert.equal(slots.take(3), 3, 'the second run gets its slots from the five the first run gave back');
    assert.equal(credits.available, 2);
    slots.settle(); // it failed in the end
    assert.equal(credits.available, 5, 'every slot is the dispatcher\'s again');
  });

  it('gets no more slots than the dispatcher published', () => {
    const credits = sharedCredits();
    credits.give(2);
    const slots = ingestLeasing(credits, () => {}).reserve();
    assert.equal(slots.take(10), 2);
    slots.settle(leased(2));
    assert.equal(credits.available, 0);
  });
});
