import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conditionContext, conditionProblem, conditionProblemMessage, evaluateCondition } from './conditions.ts';
import { CONDITION_STEP_BUDGET } from './condition-meter.ts';

const list = (n: number): string => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
const NESTED_EXISTS = Array.from({ length: 10 }, (_, i) => `${list(50)}.exists(x${i}, `).join('') + 'false' + ')'.repeat(10);
const FOUR_MAPS = `${list(100)}.map(a, ${list(100)}.map(b, ${list(100)}.map(c, ${list(100)}.map(d, a + b + c + d)))).size() > 0`;
/** Passes the estimate (600,062 units) but spends 600,000 steps on an event with 10,000 items. */
const COSTLY_AT_RUN_TIME = '[1,2,3,4,5,6,7,8,9,10].exists(a, data.items.exists(x, x.id == -1))';

const context = (data: unknown, previous: unknown = null) =>
  conditionContext({ type: 'order.updated', tenantId: 'shop', actor: null, resource: null, previous: previous as never, changes: null }, data);

describe('conditions', () => {
  it('decides on the event, and reports a run-time error instead of throwing', () => {
    const ctx = context({ status: 'Open', amount: 120, tags: ['vip'] }, { status: 'Draft' });
    assert.deepEqual(evaluateCondition('data.status == "Open" && data.amount > 100 && "vip" in data.tags', ctx), { ok: true, matches: true });
    assert.deepEqual(evaluateCondition('has(changes.status) && changes.status.to == "Open"', ctx), { ok: true, matches: true });
    assert.deepEqual(evaluateCondition('data.items.exists(x, x > 1)', ctx), { ok: false, error: 'No such key: items' });
    assert.deepEqual(evaluateCondition('data.amount', ctx), { ok: false, error: 'the condition gave number, not a bool' });
    assert.deepEqual(evaluateCondition('tenant == "shop" && actor.size() == 0', ctx), { ok: true, matches: true });
  });

  it('keeps working through the meters: methods, concatenation, in, map/filter, bind', () => {
    const ctx = context({ name: 'Ada Lovelace', tags: ['a', 'b'], items: [{ n: 1 }, { n: 5 }], at: '2024-01-01T05:00:00Z' });
    for (const expression of [
      'data.name.startsWith("Ada") && data.name.lowerAscii().contains("love") && size(data.name) == 12',
      '(data.name + "!").endsWith("!") && data.tags + ["c"] == ["a", "b", "c"]',
      '"b" in data.tags && !("z" in data.tags)',
      'data.items.map(i, i.n * 2.0).filter(v, v > 5.0).size() == 1 && data.items.all(i, i.n > 0)',
      'data.items.exists_one(i, i.n == 5) && data.items.map(i, i.n > 2, i.n).size() == 1',
      'cel.bind(first, data.items[0], first.n == 1) && data.tags.join("_") == "a_b" && "x y".split(" ").size() == 2',
      'timestamp(data.at).getHours() == 5 && -data.items[0].n < 0 ? true : false',
    ]) assert.deepEqual(evaluateCondition(expression, ctx), { ok: true, matches: true }, expression);
  });

  it('refuses at save a syntax error with its position, as before', () => {
    const p = conditionProblem('data.status == ');
    assert.equal(p?.kind, 'syntax');
    assert.equal(p?.position, 15);
    assert.match(conditionProblemMessage(p!), /^syntax error at position 15: /);
  });

  it('refuses at save a variable that the event does not have, naming it and the variables there are', () => {
    const p = conditionProblem('nope.status == "Open"');
    assert.equal(p?.kind, 'refused');
    assert.equal(p?.position, 0);
    assert.equal(conditionProblemMessage(p!),
      'Unknown variable: nope; the event\'s variables are tenant, data, doc (the same as data), previous, changes, actor, resource (at position 0)');
    assert.match(conditionProblem('data.items.exists(x, y > 1)')!.message, /^Unknown variable: y; the event's variables are /);
    for (const ok of ['data.a == 1', 'doc.a == 1', 'previous.a == 1', 'changes.a.to == 1', 'actor.id == 1', 'resource.id == 1', 'tenant == "t"']) {
      assert.equal(conditionProblem(ok), undefined, ok);
    }
    assert.ok(conditionProblem('__s(data)'), 'the meters are not callable by users');
  });

  it('sees `doc` as `data`, as Frappe spells its conditions, and costs it as the event it is', () => {
    const ctx = context({ status: 'Open', grand_total: 1250.5, items: [{ qty: 4 }] });
    assert.deepEqual(evaluateCondition('doc.status == "Open" && doc.grand_total > 1000.0', ctx), { ok: true, matches: true });
    assert.deepEqual(evaluateCondition('doc.status == "Closed"', ctx), { ok: true, matches: false });
    assert.deepEqual(evaluateCondition('doc.items.exists(i, i.qty == 4) && doc == data', ctx), { ok: true, matches: true });
    assert.deepEqual(evaluateCondition('doc.nope == 1', ctx), { ok: false, error: 'No such key: nope' }, 'a missing field fails, as with data');
    const nested = Array.from({ length: 3 }, (_, i) => `doc.items.exists(x${i}, `).join('') + 'false' + ')'.repeat(3);
    assert.match(conditionProblem(nested)?.message ?? '', /too costly/, 'doc is as large as the event may be');
  });

  it('refuses at save what would cost too much: ten nested exists, four nested maps', () => {
    for (const expression of [NESTED_EXISTS, FOUR_MAPS]) {
      const p = conditionProblem(expression);
      assert.match(p?.message ?? '', /too costly: up to .* steps/);
      assert.equal(typeof p?.position, 'number');
      const run = evaluateCondition(expression, context({}));
      assert.equal(run.ok, false, 'a stored one (saved before the budget) fails without running');
    }
  });

  it('stops at run time, within its budget, a condition that passed the estimate', () => {
    assert.equal(conditionProblem(COSTLY_AT_RUN_TIME), undefined);
    const big = context({ items: Array.from({ length: 10_000 }, (_, id) => ({ id })) });
    const started = performance.now();
    const result = evaluateCondition(COSTLY_AT_RUN_TIME, big);
    const ms = performance.now() - started;
    assert.deepEqual(result, { ok: false, error: `stopped: the condition went over its run-time budget of ${CONDITION_STEP_BUDGET.toLocaleString('en-US')} steps on this event` });
    assert.ok(ms < 1000, `did not freeze (${ms} ms)`);
    assert.deepEqual(evaluateCondition(COSTLY_AT_RUN_TIME, context({ items: [{ id: -1 }] })), { ok: true, matches: true }, 'small events pass');
    assert.deepEqual(evaluateCondition('data.items.exists(x, x.id == -1)', big), { ok: true, matches: false }, 'one scan of 10,000 fits');
  });

  it('stops a loop whose errors exists() would swallow, and counts every level', () => {
    // Each inner loop's range errors once the budget is spent; exists() tolerates errors, so
    // without the final check the outer loops could still answer true.
    const swallowing = `${list(20)}.exists(a, ${list(20)}.exists(b, ${list(20)}.exists(c, c == -1)) || a == 19)`;
    assert.equal(conditionProblem(swallowing), undefined);
    const result = evaluateCondition(swallowing, context({}), 10_000);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /run-time budget of 10,000 steps/);
    assert.deepEqual(evaluateCondition(swallowing, context({})), { ok: true, matches: true }, 'within the default budget it decides');
  });

  it('charges string work at run time by size', () => {
    const long = context({ s: 'a'.repeat(100_000) });
    assert.deepEqual(evaluateCondition('data.s.contains("b")', long, 150_000), { ok: true, matches: false });
    assert.equal(evaluateCondition('data.s.contains("b")', long, 50_000).ok, false, '100,000 characters are 100,000 steps');
    // A character a step: `size()` counts code points, ~10 ns each, so a 1 MiB string stops
    // before it is scanned rather than holding the thread for 10 ms.
    assert.equal(evaluateCondition('data.s.size() > 5', context({ s: 'a'.repeat(1_000_000) })).ok, false);
  });

  it('runs matches() on RE2: a backtracking pattern is linear, a bad one is refused at save', () => {
    assert.equal(conditionProblem('data.name.matches("^(a+)+$")'), undefined);
    const started = performance.now();
    assert.deepEqual(evaluateCondition('data.name.matches("^(a+)+$")', context({ name: `${'a'.repeat(5000)}!` })), { ok: true, matches: false });
    assert.ok(performance.now() - started < 1000, 'did not backtrack');
    assert.deepEqual(evaluateCondition('data.name.matches("^A[a-z]+$")', context({ name: 'Ada' })), { ok: true, matches: true });
    assert.deepEqual(evaluateCondition('data.name.matches("da")', context({ name: 'Ada' })), { ok: true, matches: true }, 'unanchored, as CEL');
    const bad = conditionProblem('data.name.matches("(")');
    assert.match(bad?.message ?? '', /invalid regular expression/);
    assert.equal(bad?.position, 18);
    assert.match(conditionProblem(`data.name.matches("${'a'.repeat(501)}")`)?.message ?? '', /longer than 500/);
    assert.match(conditionProblem('data.name.matches("(?=a)")')?.message ?? '', /invalid regular expression/, 'lookahead is not RE2');
    assert.match(conditionProblem('data.name.matches(data.pattern)')?.message ?? '', /too costly/, 'a pattern from the event may be 1 MiB long');
  });
});
