import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedCredits } from './credits.ts';

describe('dispatcher credits', () => {
  it('gives out no more than were published, and withdraws what is left', () => {
    const credits = sharedCredits();
    assert.equal(credits.take(5), 0, 'none published yet');
    credits.give(3);
    assert.equal(credits.take(2), 2);
    assert.equal(credits.take(5), 1, 'only what is left');
    assert.equal(credits.take(1), 0);
    credits.give(4);
    assert.equal(credits.withdraw(), 4);
    assert.equal(credits.available, 0);
  });

  it('is one count for every view of the same shared memory (the API thread and the dispatcher thread)', () => {
    const dispatcherSide = sharedCredits();
    const apiSide = sharedCredits(dispatcherSide.buffer);
    dispatcherSide.give(10);
    assert.equal(apiSide.take(4), 4);
    assert.equal(dispatcherSide.withdraw(), 6);
    assert.equal(apiSide.take(1), 0);
  });
});
