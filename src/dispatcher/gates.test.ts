import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BREAKER_BASE_MS, BREAKER_THRESHOLD, BUSY_RETRY_MS, createGates, outcomeOf, WAITERS_PER_SLOT, type Admission } from './gates.ts';

const open = { maxConcurrency: 100, rateLimit: null };
const go = (a: Admission) => {
  assert.ok(a.go === true, 'admitted');
  return a.done;
};

describe('webhook gates', () => {
  it('caps requests in flight per webhook, queueing the rest in order, and handing back the overflow', async () => {
    const gates = createGates();
    const cap = { maxConcurrency: 1, rateLimit: null };
    const done = go(gates.admit('w', cap, 0));
    const waiting = Array.from({ length: WAITERS_PER_SLOT }, () => gates.admit('w', cap, 0));
    assert.ok(waiting.every((a) => a.go === 'wait'));
    assert.deepEqual(gates.admit('w', cap, 0), { go: false, retryAt: BUSY_RETRY_MS }, 'the queue is bounded');
    assert.deepEqual(gates.admit('w', cap, 5), { go: false, retryAt: BUSY_RETRY_MS }, 'a later one is handed back to the same instant: none overtakes');
    assert.equal(gates.admit('other', cap, 0).go, true, 'other webhooks are not held up');
    const order: number[] = [];
    waiting.forEach((a, i) => void (a as { turn: Promise<{ go: boolean }> }).turn.then(() => order.push(i)));
    done('success', 1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [0], 'the slot goes to the first in line, and only to it');
  });

  it('sends the queue back when the breaker opens', async () => {
    const gates = createGates();
    const cap = { maxConcurrency: 1, rateLimit: null };
    for (let i = 0; i < BREAKER_THRESHOLD - 1; i++) go(gates.admit('w', cap, 0))('failure', 0);
    const last = go(gates.admit('w', cap, 0));
    const queued = gates.admit('w', cap, 0);
    assert.equal(queued.go, 'wait');
    last('failure', 0);
    assert.deepEqual(await (queued as { turn: Promise<unknown> }).turn, { go: false, retryAt: BREAKER_BASE_MS });
  });

  it('limits the rate per webhook', () => {
    const gates = createGates();
    const limits = { maxConcurrency: 100, rateLimit: 2 };
    go(gates.admit('w', limits, 0))('success', 0);
    const second = gates.admit('w', limits, 0);
    assert.equal(second.go, false);
    assert.equal((second as { retryAt: number }).retryAt, 500, 'the next token comes in 1/2 s');
    assert.ok(gates.admit('w', limits, 500).go);
  });

  it('holds the rate limit for deliveries that queued for a slot', async () => {
    const gates = createGates();
    const limits = { maxConcurrency: 1, rateLimit: 1 };
    const done = go(gates.admit('w', limits, 0));
    assert.deepEqual(gates.admit('w', limits, 0), { go: false, retryAt: 1000 }, 'no token: handed back, not queued');
    const queued = gates.admit('w', limits, 1000);
    assert.equal(queued.go, 'wait', 'a token came: it queues for the slot, holding its token');
    assert.deepEqual(gates.admit('w', limits, 1000), { go: false, retryAt: 2000 }, 'the next one waits for the next token');
    done('success', 1500);
    assert.equal((await (queued as { turn: Promise<{ go: boolean }> }).turn).go, true, 'the slot goes to the queued one');
  });

  it('opens after repeated failures, probes once after the cooldown, closes on success', () => {
    const gates = createGates();
    let opened: number | undefined;
    for (let i = 0; i < BREAKER_THRESHOLD; i++) opened = go(gates.admit('w', open, 10))('failure', 10);
    assert.equal(opened, 10 + BREAKER_BASE_MS, 'the last failure opens it');
    assert.deepEqual(gates.admit('w', open, 20), { go: false, retryAt: 10 + BREAKER_BASE_MS });
    const probe = go(gates.admit('w', open, 10 + BREAKER_BASE_MS));
    assert.equal(gates.admit('w', open, 10 + BREAKER_BASE_MS).go, false, 'one probe at a time');
    assert.equal(probe('success', 6000), undefined);
    assert.ok(gates.admit('w', open, 6001).go, 'closed again');
  });

  it('reopens for twice as long when the probe fails', () => {
    const gates = createGates();
    for (let i = 0; i < BREAKER_THRESHOLD; i++) go(gates.admit('w', open, 0))('failure', 0);
    const probe = go(gates.admit('w', open, BREAKER_BASE_MS));
    assert.equal(probe('failure', BREAKER_BASE_MS), BREAKER_BASE_MS + 2 * BREAKER_BASE_MS);
  });

  it('counts only signs of a receiver down as failures', () => {
    assert.deepEqual([null, 500, 503, 429, 200, 204, 400, 404, 410].map(outcomeOf),
      ['failure', 'failure', 'failure', 'failure', 'success', 'success', 'neutral', 'neutral', 'neutral']);
  });
});
