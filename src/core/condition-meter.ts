// The run-time budget of a condition: steps counted as it runs, deterministic (the same event
// always gives the same outcome, whatever the machine's load), with no hook needed inside the
// interpreter. A parsed condition is printed back as CEL with meters around the work:
//   range.exists(x, p)   →  __r(range, k).exists(x, p)   charges size(range) × k, k being the
//                                                          body's own node count (nested loops
//                                                          charge for themselves)
//   s.contains(t), f(a)  →  __s(s).contains(__s(t))      charges each input's size
//   a + b                →  __s(a + b)                   charges what concatenation allocates
//   a in l               →  a in __s(l)
//   s.matches(p)         →  __re(s, p)                   RE2, linear time (condition-regex.ts)
// Sizes are charged as the static estimate counts them (condition-cost.ts: one unit per element,
// per ten characters). Once the budget is spent every meter throws, so an evaluation that
// swallows errors (`exists` tolerates a failing predicate) still winds down within a few steps
// per loop level, and the caller reports it stopped whatever the value. The printer
// parenthesises everything, so no precedence is ever re-decided. Pure: no I/O, no clock.
import { serialize, type ASTNode, type Environment } from '@marcbachmann/cel-js';
import { regexUnits } from './condition-cost.ts';
import { patternMatches } from './condition-regex.ts';

/**
 * Steps one evaluation may take before it is stopped: a scan of a 10,000-element list fits
 * (`data.items.exists(x, x.id == 1)` is 60,000). Measured at 30–110 ns a step: 3–11 ms at most.
 */
export const CONDITION_STEP_BUDGET = 100_000;

const MACROS = new Set(['exists', 'all', 'exists_one', 'map', 'filter']);

/** Raised by a meter once the budget is spent. */
export class BudgetSpent extends Error {}

let left = Number.POSITIVE_INFINITY;

function charge(units: number): void {
  left -= units;
  if (left < 0) throw new BudgetSpent('the run-time budget is spent');
}

/**
 * A run-time value's size in cost units, shallow: its elements are charged when they are visited.
 * Text is charged a unit per character here, not per CHARS_PER_UNIT as the estimate counts it:
 * `size()` on a string counts code points at about 10 ns each, so a 1 MiB string would hold the
 * thread for 10 ms within a per-10-characters budget. The estimate stays lenient (a condition on
 * an event's strings can be saved); a string too long to scan within the budget stops at run time.
 */
function units(value: unknown): number {
  if (typeof value === 'string') return 1 + value.length;
  if (Array.isArray(value)) return 1 + value.length;
  if (value instanceof Uint8Array) return 1 + value.length;
  if (value instanceof Map || value instanceof Set) return 1 + value.size;
  if (value !== null && typeof value === 'object') {
    let n = 1;
    for (const key in value) if (Object.hasOwn(value, key)) n++;
    return n;
  }
  return 1;
}

/** Adds the meters' functions to an environment (not to the one that checks what users write). */
export function registerMeters(env: Environment): Environment {
  return env
    .registerFunction('__r(dyn, int): dyn', (range: unknown, perElement: bigint) => {
      charge(1 + (units(range) - 1) * Number(perElement));
      return range;
    })
    .registerFunction('__s(dyn): dyn', (value: unknown) => {
      charge(units(value));
      return value;
    })
    .registerFunction('__re(dyn, dyn): bool', (text: unknown, pattern: unknown) => {
      if (typeof text !== 'string' || typeof pattern !== 'string') throw new Error('matches() needs a string and a string pattern');
      charge(regexUnits(text.length, pattern.length));
      return patternMatches(text, pattern);
    });
}

export type Metered<T> = { ok: true; value: T; steps: number } | { ok: false; error: unknown; stopped: boolean; steps: number };

/** Runs `evaluate` with `budget` steps; `stopped` when the budget ran out (whatever it returned or threw). */
export function metered<T>(budget: number, evaluate: () => T): Metered<T> {
  const outer = left; // evaluations do not nest, but a meter must never leak into the next one
  left = budget;
  try {
    const value = evaluate();
    if (left < 0) return { ok: false, error: new BudgetSpent('the run-time budget is spent'), stopped: true, steps: budget - left };
    return { ok: true, value, steps: budget - left };
  } catch (error) {
    return { ok: false, error, stopped: left < 0 || error instanceof BudgetSpent, steps: budget - left };
  } finally {
    left = outer;
  }
}

/** Nodes a loop's body evaluates per element, not counting nested loops' bodies (they charge for themselves). */
function ownNodes(node: ASTNode): number {
  switch (node.op) {
    case 'value': case 'id': return 1;
    case '!_': case '-_': return 1 + ownNodes(node.args);
    case '.': case '.?': return 1 + ownNodes(node.args[0]);
    case 'call': return 1 + node.args[1].reduce((n, a) => n + ownNodes(a), 0);
    case 'rcall': {
      const [name, receiver, args] = node.args;
      if (MACROS.has(name) && args[0]?.op === 'id') return 2 + ownNodes(receiver);
      return 1 + ownNodes(receiver) + args.reduce((n, a) => n + ownNodes(a), 0);
    }
    case 'map': return 1 + node.args.reduce((n, [k, v]) => n + ownNodes(k) + ownNodes(v), 0);
    default: return 1 + (node.args as ASTNode[]).reduce((n, a) => n + ownNodes(a), 0);
  }
}

/** The condition as CEL again, with its meters. */
export function instrument(node: ASTNode): string {
  const p = instrument;
  switch (node.op) {
    case 'value': return serialize(node);
    case 'id': return node.args;
    case '!_': return `(!${p(node.args)})`;
    case '-_': return `(-${p(node.args)})`;
    case '.': return `${p(node.args[0])}.${node.args[1]}`;
    case '.?': return `${p(node.args[0])}.?${node.args[1]}`;
    case '[]': return `${p(node.args[0])}[${p(node.args[1])}]`;
    case '[?]': return `${p(node.args[0])}[?${p(node.args[1])}]`;
    case '?:': return `(${p(node.args[0])} ? ${p(node.args[1])} : ${p(node.args[2])})`;
    case '+': return `__s(${p(node.args[0])} + ${p(node.args[1])})`;
    case 'in': return `(${p(node.args[0])} in __s(${p(node.args[1])}))`;
    case 'list': return `[${node.args.map(p).join(', ')}]`;
    case 'map': return `{${node.args.map(([k, v]) => `${p(k)}: ${p(v)}`).join(', ')}}`;
    case 'call': {
      const [name, args] = node.args;
      if (name === 'has') return `has(${args.map(p).join(', ')})`;
      return `${name}(${args.map((a) => `__s(${p(a)})`).join(', ')})`;
    }
    case 'rcall': {
      const [name, receiver, args] = node.args;
      if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel') return `cel.bind(${args.map(p).join(', ')})`;
      if (MACROS.has(name) && args[0]?.op === 'id') {
        const perElement = 1 + args.slice(1).reduce((n, a) => n + ownNodes(a), 0);
        return `__r(${p(receiver)}, ${perElement}).${name}(${args.map(p).join(', ')})`;
      }
      if (name === 'matches' && args.length === 1) return `__re(${p(receiver)}, ${p(args[0]!)})`;
      return `__s(${p(receiver)}).${name}(${args.map((a) => `__s(${p(a)})`).join(', ')})`;
    }
    default: // the binary operators
      return `(${p(node.args[0])} ${node.op} ${p(node.args[1])})`;
  }
}
