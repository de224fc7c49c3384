// The static cost of a condition, as Kubernetes estimates CEL: walk the parsed expression, give
// every value the largest size it can have (a literal's own; for the event, what an event may
// hold), and charge each node for the work it does on values that large. A comprehension
// (exists, all, exists_one, map, filter) multiplies its body's cost by the largest number of
// elements its range can have, so nesting multiplies. Concatenation, map results, split and
// join grow values; their sizes flow on. The estimate is an upper bound for any event the API
// accepts; a condition above CONDITION_COST_BUDGET is refused when it is saved or checked.
//
// Units: one unit is about one interpreter step (one AST node evaluated, one list element
// visited, or ten characters scanned): 30–100 ns each on the machine this was measured on.
// Pure: no I/O.
import type { ASTNode } from '@marcbachmann/cel-js';

/** A condition whose worst case costs more than this many units is refused (≈ 30–100 ms). */
export const CONDITION_COST_BUDGET = 1_000_000;
/** No value a condition builds may hold more characters (or bytes) than this. */
export const CONDITION_MAX_VALUE_CHARS = 16 * 1024 * 1024;
/** No list a condition builds may hold more elements than this. */
export const CONDITION_MAX_VALUE_ITEMS = 1_000_000;
/** What the estimate assumes an event may hold: lists (and objects) of this many elements… */
export const EVENT_MAX_ITEMS = 10_000;
/** …and strings of this many characters… */
export const EVENT_MAX_CHARS = 1024 * 1024;
/** …and no more characters in all (the API's default request body limit, 5 MiB). */
export const EVENT_MAX_TOTAL_CHARS = 5 * 1024 * 1024;
/** What a regular expression match costs beyond scanning (building the matcher). */
export const REGEX_OVERHEAD_UNITS = 40;

const CHARS_PER_UNIT = 10;
const MACROS = new Set(['exists', 'all', 'exists_one', 'map', 'filter']);
/** Variables whose values come from the event (the rest are short strings); `doc` is `data`. */
const EVENT_VARIABLES = new Set(['data', 'doc', 'previous', 'changes', 'actor', 'resource']);

/** The largest a value can be: elements (list or map), characters (string or bytes), and its elements' size. */
export interface Size {
  items: number;
  chars: number;
  elem?: Size;
  /** The elements' characters together, when known to be fewer than items × elem.chars (split's pieces). */
  elemChars?: number;
}

const SCALAR: Size = { items: 0, chars: 0 };
const SHORT_STRING: Size = { items: 0, chars: 200 };
/** Any value taken from an event: its elements are event values too. */
const EVENT_VALUE: Size = { items: EVENT_MAX_ITEMS, chars: EVENT_MAX_CHARS, elemChars: EVENT_MAX_TOTAL_CHARS };
EVENT_VALUE.elem = EVENT_VALUE;

export interface CostEstimate {
  cost: number;
  /** The largest value the condition may build. */
  size: Size;
  /** Where the estimate first goes over the budget, or a value over its size limit is built. */
  over: { position: number; reason: 'cost' | 'size' } | undefined;
}

interface Estimate { cost: number; size: Size }
type Scope = ReadonlyMap<string, Size>;

/** Work proportional to a value's size: one unit per element, one per ten characters. */
export function sizeUnits(size: Size): number {
  return size.items + Math.ceil(size.chars / CHARS_PER_UNIT);
}

/** `n × cost`, where an empty range costs nothing even if its body is endless. */
function times(n: number, cost: number): number {
  return n === 0 || cost === 0 ? 0 : n * cost;
}

function larger(a: Size | undefined, b: Size | undefined): Size | undefined {
  if (!a) return b;
  if (!b || a === b) return a;
  if (a === EVENT_VALUE || b === EVENT_VALUE) return EVENT_VALUE;
  return { items: Math.max(a.items, b.items), chars: Math.max(a.chars, b.chars), elem: larger(a.elem, b.elem) };
}

function literalSize(value: unknown): Size {
  if (typeof value === 'string') return { items: 0, chars: value.length };
  if (value instanceof Uint8Array) return { items: 0, chars: value.length };
  return SCALAR;
}

/** The static estimate of a parsed condition. */
export function estimateConditionCost(ast: ASTNode): CostEstimate {
  let over: CostEstimate['over'];
  let firstCostly: number | undefined; // the first node (innermost first) over the budget on its own
  let largest: Size = SCALAR;

  function visit(node: ASTNode, scope: Scope): Estimate {
    const result = estimate(node, scope);
    largest = larger(largest, { items: result.size.items, chars: result.size.chars }) ?? SCALAR;
    if (firstCostly === undefined && result.cost > CONDITION_COST_BUDGET) firstCostly = node.pos;
    if (!over && (result.size.chars > CONDITION_MAX_VALUE_CHARS || result.size.items > CONDITION_MAX_VALUE_ITEMS)) over = { position: node.pos, reason: 'size' };
    return result;
  }

  /** Sums the arguments' costs; returns them with their sizes. */
  function all(nodes: readonly ASTNode[], scope: Scope): { cost: number; sizes: Size[] } {
    const each = nodes.map((n) => visit(n, scope));
    return { cost: each.reduce((c, e) => c + e.cost, 0), sizes: each.map((e) => e.size) };
  }

  function comprehension(name: string, range: Estimate, args: readonly ASTNode[], scope: Scope): Estimate {
    const first = args[0];
    const iterVar = first?.op === 'id' ? first.args : undefined;
    const elem = range.size.elem ?? (range.size.items > 0 ? EVENT_VALUE : SCALAR);
    const inner = new Map(scope);
    if (iterVar !== undefined) inner.set(iterVar, elem);
    const body = all(args.slice(1), inner);
    const n = range.size.items;
    const cost = range.cost + 1 + times(n, 1 + body.cost);
    if (name === 'map') return { cost, size: { items: n, chars: 0, elem: body.sizes.at(-1) ?? SCALAR } };
    if (name === 'filter') return { cost, size: { items: n, chars: 0, elem } };
    return { cost, size: SCALAR };
  }

  function method(name: string, receiver: Estimate, args: readonly ASTNode[], scope: Scope): Estimate {
    const a = all(args, scope);
    const base = receiver.cost + a.cost + 1;
    const r = receiver.size;
    switch (name) {
      case 'lowerAscii': case 'upperAscii': case 'trim': case 'substring':
        return { cost: base + sizeUnits(r), size: { items: 0, chars: r.chars } };
      case 'split':
        return { cost: base + sizeUnits(r) + r.chars, size: { items: r.chars + 1, chars: 0, elem: { items: 0, chars: r.chars }, elemChars: r.chars } };
      case 'join': {
        const sep = a.sizes[0]?.chars ?? 0;
        const chars = Math.min(times(r.items, r.elem?.chars ?? 0), r.elemChars ?? Number.POSITIVE_INFINITY) + times(r.items, sep);
        return { cost: base + r.items + Math.ceil(chars / CHARS_PER_UNIT), size: { items: 0, chars } };
      }
      case 'matches': {
        const patternChars = a.sizes[0]?.chars ?? 0;
        return { cost: base + regexUnits(r.chars, patternChars), size: SCALAR };
      }
      default: // size, contains, startsWith, indexOf…, timestamp and bytes methods: one pass over the inputs
        return { cost: base + sizeUnits(r) + a.sizes.reduce((c, s) => c + sizeUnits(s), 0), size: SCALAR };
    }
  }

  function call(name: string, args: readonly ASTNode[], scope: Scope): Estimate {
    if (name === 'has') return { cost: all(args, scope).cost + 1, size: SCALAR };
    const a = all(args, scope);
    const inputs = a.sizes.reduce((c, s) => c + sizeUnits(s), 0);
    const widest = a.sizes.reduce<Size | undefined>((w, s) => larger(w, s), undefined) ?? SCALAR;
    switch (name) {
      case 'dyn': return { cost: a.cost + 1, size: widest };
      case 'string': return { cost: a.cost + 1 + inputs, size: { items: 0, chars: Math.max(widest.chars, 32) } };
      case 'bytes': return { cost: a.cost + 1 + inputs, size: { items: 0, chars: widest.chars * 4 } };
      default: return { cost: a.cost + 1 + inputs, size: SCALAR };
    }
  }

  function estimate(node: ASTNode, scope: Scope): Estimate {
    switch (node.op) {
      case 'value': return { cost: 1, size: literalSize(node.args) };
      case 'id': {
        const bound = scope.get(node.args);
        if (bound) return { cost: 1, size: bound };
        return { cost: 1, size: EVENT_VARIABLES.has(node.args) ? EVENT_VALUE : SHORT_STRING };
      }
      case '.': case '.?': {
        const obj = visit(node.args[0], scope);
        return { cost: obj.cost + 1, size: obj.size.elem ?? SCALAR };
      }
      case '[]': case '[?]': {
        const obj = visit(node.args[0], scope);
        const key = visit(node.args[1], scope);
        return { cost: obj.cost + key.cost + 1, size: obj.size.elem ?? SCALAR };
      }
      case '!_': case '-_': return { cost: visit(node.args, scope).cost + 1, size: SCALAR };
      case '&&': case '||': case '-': case '*': case '/': case '%':
        return { cost: all(node.args, scope).cost + 1, size: SCALAR };
      case '?:': {
        const [c, a, b] = node.args.map((n) => visit(n, scope)) as [Estimate, Estimate, Estimate];
        return { cost: c.cost + a.cost + b.cost + 1, size: larger(a.size, b.size) ?? SCALAR };
      }
      case '+': {
        const [a, b] = node.args.map((n) => visit(n, scope)) as [Estimate, Estimate];
        const size = { items: a.size.items + b.size.items, chars: a.size.chars + b.size.chars, elem: larger(a.size.elem, b.size.elem) };
        return { cost: a.cost + b.cost + 1 + sizeUnits(size), size };
      }
      case '==': case '!=': case '<': case '<=': case '>': case '>=': {
        // Comparing stops at the smaller side (deep equality walks both as far as they agree).
        const [a, b] = node.args.map((n) => visit(n, scope)) as [Estimate, Estimate];
        return { cost: a.cost + b.cost + 1 + Math.min(sizeUnits(a.size), sizeUnits(b.size)), size: SCALAR };
      }
      case 'in': {
        const [a, b] = node.args.map((n) => visit(n, scope)) as [Estimate, Estimate];
        return { cost: a.cost + b.cost + 1 + times(b.size.items, 1 + Math.min(sizeUnits(a.size), sizeUnits(b.size.elem ?? SCALAR))) + Math.ceil(b.size.chars / CHARS_PER_UNIT), size: SCALAR };
      }
      case 'list': {
        const a = all(node.args, scope);
        return { cost: a.cost + node.args.length + 1, size: { items: node.args.length, chars: 0, elem: a.sizes.reduce<Size | undefined>((w, s) => larger(w, s), undefined) } };
      }
      case 'map': {
        const a = all(node.args.flat(), scope);
        const values = a.sizes.filter((_, i) => i % 2 === 1);
        return { cost: a.cost + node.args.length + 1, size: { items: node.args.length, chars: 0, elem: values.reduce<Size | undefined>((w, s) => larger(w, s), undefined) } };
      }
      case 'call': return call(node.args[0], node.args[1], scope);
      case 'rcall': {
        const [name, receiver, args] = node.args;
        if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && args[0]?.op === 'id' && args.length === 3) {
          const value = visit(args[1]!, scope);
          const body = visit(args[2]!, new Map(scope).set(args[0].args, value.size));
          return { cost: value.cost + body.cost + 1, size: body.size };
        }
        const range = visit(receiver, scope);
        if (MACROS.has(name) && args[0]?.op === 'id') return comprehension(name, range, args, scope);
        return method(name, range, args, scope);
      }
      default: return { cost: 1, size: SCALAR };
    }
  }

  const { cost } = visit(ast, new Map());
  // Over the budget only as a whole: a costly body inside an empty range costs nothing.
  if (!over && cost > CONDITION_COST_BUDGET) over = { position: firstCostly ?? ast.pos, reason: 'cost' };
  return { cost, size: largest, over };
}

/** RE2 runs in time linear in the text, times the pattern's size (its automaton's states). */
export function regexUnits(textChars: number, patternChars: number): number {
  return REGEX_OVERHEAD_UNITS + times(1 + Math.ceil(textChars / CHARS_PER_UNIT), Math.max(1, Math.ceil(patternChars / CHARS_PER_UNIT)));
}
