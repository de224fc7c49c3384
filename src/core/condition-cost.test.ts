import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Environment } from '@marcbachmann/cel-js';
import { CONDITION_COST_BUDGET, EVENT_MAX_ITEMS, estimateConditionCost } from './condition-cost.ts';

const env = new Environment({ unlistedVariablesAreDyn: true });
const estimate = (expression: string) => estimateConditionCost(env.parse(expression).ast);
const literal = (n: number): string => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;

describe('condition cost (static estimate)', () => {
  it('charges a plain comparison a few units', () => {
    const e = estimate('data.status == "open" && data.amount > 100');
    assert.ok(e.cost < 20, String(e.cost));
    assert.equal(e.over, undefined);
  });

  it('multiplies a loop body by the largest its range can be: a literal\'s length, an event list\'s limit', () => {
    const small = estimate(`${literal(50)}.exists(x, x == 3)`).cost;
    assert.ok(small >= 50 * 4 && small < 50 * 10, String(small));
    const fromEvent = estimate('data.items.exists(x, x.status == "open")').cost;
    assert.ok(fromEvent >= EVENT_MAX_ITEMS * 4 && fromEvent < CONDITION_COST_BUDGET, String(fromEvent));
  });

  it('multiplies nested loops, so ten nested exists over 50 elements is over the budget, pointing at a loop', () => {
    const list = literal(50);
    const nested = Array.from({ length: 10 }, (_, i) => `${list}.exists(x${i}, `).join('') + 'false' + ')'.repeat(10);
    const e = estimate(nested);
    assert.ok(e.cost > 50 ** 10, String(e.cost));
    assert.equal(e.over?.reason, 'cost');
    assert.equal(nested.slice(e.over!.position).startsWith('.exists') || nested[e.over!.position] === '[', true);
    const two = estimate(`${list}.exists(a, ${list}.exists(b, a == b))`);
    assert.equal(two.over, undefined, 'two levels over 50 elements fit');
  });

  it('refuses four nested maps over 100 elements, and nested loops over event lists', () => {
    const l = literal(100);
    assert.equal(estimate(`${l}.map(a, ${l}.map(b, ${l}.map(c, ${l}.map(d, a + b + c + d)))).size() > 0`).over?.reason, 'cost');
    assert.equal(estimate('data.items.exists(x, x.tags.exists(t, t == "a"))').over?.reason, 'cost');
  });

  it('lets a map\'s or filter\'s result be the next range, with its size', () => {
    const chained = estimate(`${literal(100)}.map(x, x * 2).filter(y, y > 2).exists(z, z == 4)`).cost;
    const once = estimate(`${literal(100)}.exists(z, z == 4)`).cost;
    assert.ok(chained > 2 * once, `${chained} vs ${once}`);
  });

  it('grows strings and lists through + and join, and refuses a value too large', () => {
    const concat = estimate('(data.s + data.s).size() > 0').cost;
    const single = estimate('data.s.size() > 0').cost;
    assert.ok(concat > 2 * single, `${concat} vs ${single}`);
    assert.equal(estimate('data.items.map(x, data.s).join("") == ""').over !== undefined, true);
    assert.equal(estimate('"a,b,c".split(",").join("-") == "a-b-c"').over, undefined, 'split then join is bounded by the string');
    assert.ok(estimate('"a,b,c".split(",").join("-") == "a-b-c"').cost < 100);
    assert.ok(estimate('data.t.split(",").size() > 1').over, 'an event string may split into a million pieces');
  });

  it('charges regular expressions by text size times pattern size', () => {
    const short = estimate('data.s.matches("a")').cost;
    const long = estimate(`data.s.matches("${'a'.repeat(100)}")`).cost;
    assert.ok(long > 5 * short, `${long} vs ${short}`);
  });

  it('charges an empty range nothing, even around an endless body', () => {
    const list = literal(50);
    const endless = Array.from({ length: 10 }, (_, i) => `${list}.exists(x${i}, `).join('') + 'false' + ')'.repeat(10);
    assert.equal(estimate(`[].exists(y, ${endless})`).over, undefined);
  });
});
