import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BREAKER_BASE_MS, BREAKER_THRESHOLD, createGates, verdictOf, WAITERS_PER_SLOT, type Admission } from './gates.ts';

const open = { maxConcurrency: 100, rateLimit: null };
const go = (a: Admission) => {
  assert.ok(a.go === true, 'admitted');
  return a.done;
};

describe('webhook gates', () => {
  it('caps requests in flight per webhook, queueing the rest in order, and parking the overflow', async () => {
    const gates = createGates();
    const cap = { maxConcurrency: 1, rateLimit: null };
    const done = go(gates.admit('w', cap, 0));
    const waiting = Array.from({ length: WAITERS_PER_SLOT }, () => gates.admit('w', cap, 0));
    assert.ok(waiting.every((a) => a.go === 'wait'));
    assert.deepEqual(gates.admit('w', cap, 0), { go: false, until: 0 }, 'the queue is bounded: the next one parks');
    assert.equal(gates.admit('other', cap, 0).go, true, 'other webhooks are not held up');
    const order: number[] = [];
    waiting.forEach((a, i) => void (a as { turn: Promise<{ go: boolean }> }).turn.then(() => order.push(i)));
    done('success', 1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [0], 'the slot goes to the first in line, and only to it');
    assert.deepEqual(gates.admit('w', cap, 2), { go: false, until: 2 }, 'with a slot free, one not from the lane still parks: none overtakes the lane');
    assert.equal(gates.admit('w', cap, 2, true).go, 'wait', 'one from the lane queues');
  });

  it('says how much a lane may claim: once half its queue is free, no more than the queue holds', () => {
    const gates = createGates();
    const cap = { maxConcurrency: 2, rateLimit: null };
    const capacity = 2 * (1 + WAITERS_PER_SLOT);
    assert.deepEqual(gates.room('w', cap, 0), { room: capacity }, 'idle: a slot each and their queues');
    const dones = [go(gates.admit('w', cap, 0, true)), go(gates.admit('w', cap, 0, true))];
    for (let i = 0; i < capacity / 2 - 2; i++) assert.equal(gates.admit('w', cap, 0, true).go, 'wait');
    assert.deepEqual(gates.room('w', cap, 0), { room: capacity / 2 }, 'half free: claim what fills it');
    assert.equal(gates.admit('w', cap, 0, true).go, 'wait');
    assert.deepEqual(gates.room('w', cap, 0), { room: 0 }, 'under half free: wait for requests to end, not a claim per request');
    dones[0]!('success', 1);
    assert.deepEqual(gates.room('w', cap, 1), { room: capacity / 2 }, 'its slot went to the first in line, freeing a place in the queue');
  });

  it('lets deliveries in again once the lane is empty', () => {
    const gates = createGates();
    const cap = { maxConcurrency: 1, rateLimit: null };
    gates.park('w', 0);
    assert.equal(gates.admit('w', cap, 0).go, false);
    gates.unpark('w');
    assert.equal(gates.admit('w', cap, 0).go, true);
  });

  it('parks the queue when the breaker opens, and gives the lane room again when it may close', async () => {
    const gates = createGates();
    const cap = { maxConcurrency: 1, rateLimit: null };
    for (let i = 0; i < BREAKER_THRESHOLD - 1; i++) go(gates.admit('w', cap, 0))('failure', 0);
    const last = go(gates.admit('w', cap, 0));
    const queued = gates.admit('w', cap, 0);
    assert.equal(queued.go, 'wait');
    last('failure', 0);
    assert.deepEqual(await (queued as { turn: Promise<unknown> }).turn, { go: false, until: BREAKER_BASE_MS });
    assert.deepEqual(gates.room('w', cap, 1), { room: 0, at: BREAKER_BASE_MS }, 'nothing to claim while open: look again at its reopening');
    assert.deepEqual(gates.room('w', cap, BREAKER_BASE_MS), { room: 1 }, 'then one, the probe');
    go(gates.admit('w', cap, BREAKER_BASE_MS, true));
    assert.deepEqual(gates.room('w', cap, BREAKER_BASE_MS), { room: 0 }, 'none while the probe is out');
  });

  it('limits the rate per webhook', () => {
    const gates = createGates();
    const limits = { maxConcurrency: 100, rateLimit: 2 };
    go(gates.admit('w', limits, 0))('success', 0);
    assert.deepEqual(gates.admit('w', limits, 0), { go: false, until: 0 });
    assert.deepEqual(gates.room('w', limits, 0), { room: 0, at: 500 }, 'the next token comes in 1/2 s');
    assert.deepEqual(gates.room('w', limits, 1000), { room: 2 }, 'a claim no larger than the tokens (a burst of 2)');
    assert.ok(gates.admit('w', limits, 1000, true).go);
  });

  it('holds the rate limit for deliveries that queued for a slot', async () => {
    const gates = createGates();
    const limits = { maxConcurrency: 1, rateLimit: 1 };
    const done = go(gates.admit('w', limits, 0));
    assert.deepEqual(gates.admit('w', limits, 0), { go: false, until: 0 }, 'no token: parked, not queued');
    const queued = gates.admit('w', limits, 1000, true);
    assert.equal(queued.go, 'wait', 'a token came: it queues for the slot, holding its token');
    assert.deepEqual(gates.admit('w', limits, 1000, true), { go: false, until: 1000 }, 'the next one waits for the next token');
    done('success', 1500);
    assert.equal((await (queued as { turn: Promise<{ go: boolean }> }).turn).go, true, 'the slot goes to the queued one');
  });

  it('opens after repeated failures, probes once after the cooldown, closes on success', () => {
    const gates = createGates();
    let opened: number | undefined;
    for (let i = 0; i < BREAKER_THRESHOLD; i++) opened = go(gates.admit('w', open, 10))('failure', 10);
    assert.equal(opened, 10 + BREAKER_BASE_MS, 'the last failure opens it');
    assert.deepEqual(gates.admit('w', open, 20), { go: false, until: 10 + BREAKER_BASE_MS });
    const probe = go(gates.admit('w', open, 10 + BREAKER_BASE_MS, true));
    assert.equal(gates.admit('w', open, 10 + BREAKER_BASE_MS, true).go, false, 'one probe at a time');
    assert.equal(probe('success', 6000), undefined);
    assert.ok(gates.admit('w', open, 6001, true).go, 'closed again');
  });

  it('reopens for twice as long when the probe fails', () => {
    const gates = createGates();
    for (let i = 0; i < BREAKER_THRESHOLD; i++) go(gates.admit('w', open, 0))('failure', 0);
    const probe = go(gates.admit('w', open, BREAKER_BASE_MS));
    assert.equal(probe('failure', BREAKER_BASE_MS), BREAKER_BASE_MS + 2 * BREAKER_BASE_MS);
  });

  it('counts only signs of a receiver down as failures', () => {
    assert.deepEqual([null, 500, 503, 429, 200, 204, 400, 404, 410].map(verdictOf),
      ['failure', 'failure', 'failure', 'failure', 'success', 'success', 'neutral', 'neutral', 'neutral']);
  });
});
