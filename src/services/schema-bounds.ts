// What an event type's JSON Schema may ask of the validator, checked at registration. Every event
// of the type is validated on the API thread, so a schema must not be able to make one
// validation slow:
// - `pattern`s and `patternProperties` keys run on RE2 (linear time; see regExpEngine below),
//   so a pattern RE2 cannot run (backreferences, lookaround) is refused here, with where it is;
//   linear is not free (re2js scans 0.1–0.4 µs a character), so a pattern is never tested on a
//   text longer than PATTERN_SUBJECT_MAX_CHARS (about 4 ms at worst): such a value fails it; and
//   one validation tests at most PATTERN_BUDGET_CHARS characters in all (withPatternBudget), so
//   many long values in one event cannot add up to a long block either;
// - `uniqueItems` compares items pairwise when they are objects (quadratic), so it needs a
//   `maxItems` of at most UNIQUE_ITEMS_MAX beside it;
// - a value is checked against at most IN_PLACE_MAX subschemas at once: anyOf/allOf/oneOf/not/
//   if/then/else/dependentSchemas and $ref fan out on the same value, and 22 levels of
//   `anyOf: [{$ref: next}, {$ref: next}]` took 20 s; a $ref loop that never descends into the
//   data recurses until the stack overflows. Both are refused; a $ref must point inside the schema;
// - the schema's own size is bounded (Ajv compiles it to code once per type version).
// `format`s are not validated at all (validateFormats: false), so none can be slow.
import { RE2JS } from 're2js';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import type { FieldError } from '../core/errors.ts';

export const SCHEMA_MAX_CHARS = 256 * 1024;
export const PATTERN_MAX_CHARS = 1_000;
export const UNIQUE_ITEMS_MAX = 1_000;
export const PATTERN_SUBJECT_MAX_CHARS = 10_000;
export const PATTERN_BUDGET_CHARS = 50_000;

// What the validation running now (validations are synchronous: one at a time) may still test.
let patternCharsLeft = Number.POSITIVE_INFINITY;
let patternBudgetSpent = false;

/** Runs one validation with its pattern budget; `spent`: some value was not tested, the budget being spent. */
export function withPatternBudget<T>(validate: () => T): { result: T; spent: boolean } {
  patternCharsLeft = PATTERN_BUDGET_CHARS;
  patternBudgetSpent = false;
  try {
    return { result: validate(), spent: patternBudgetSpent };
  } finally {
    patternCharsLeft = Number.POSITIVE_INFINITY;
  }
}

function tested(s: string): boolean {
  if (s.length > PATTERN_SUBJECT_MAX_CHARS) return false;
  patternCharsLeft -= s.length;
  if (patternCharsLeft < 0) patternBudgetSpent = true;
  return !patternBudgetSpent;
}
export const IN_PLACE_MAX = 10_000;

/** Ajv's `code.regExp`: patterns compiled by RE2, which never backtracks. */
export const regExpEngine: RegExpEngine = Object.assign(
  (pattern: string): { test: (s: string) => boolean; toString: () => string } => {
    const re = RE2JS.compile(pattern);
    // toString is Ajv's cache key for a compiled pattern.
    return { test: (s: string) => tested(s) && re.matcher(s).find(), toString: () => `re2:${pattern}` };
  },
  { code: 're2' },
);

function patternProblem(pattern: string): string | undefined {
  if (pattern.length > PATTERN_MAX_CHARS) return `a pattern may be at most ${PATTERN_MAX_CHARS} characters`;
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    return `not a pattern RE2 can run in linear time (no backreferences or lookaround): ${(err as Error).message}`;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** `schema.properties.name` for a key that is an identifier, `schema.patternProperties["^x-"]` otherwise. */
const child = (path: string, key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

/** Problems with a schema's cost, each naming where in it (`schema.properties.name.pattern`). */
export function schemaBoundsProblems(schema: unknown, field = 'schema'): FieldError[] {
  if (JSON.stringify(schema).length > SCHEMA_MAX_CHARS) return [{ field, message: `a schema may be at most ${SCHEMA_MAX_CHARS} characters of JSON` }];
  const problems: FieldError[] = [];
  // Iterative: the walk's depth is the schema's, which the request's own limits bound anyway.
  const stack: [unknown, string][] = [[schema, field]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (Array.isArray(node)) {
      node.forEach((v, i) => stack.push([v, `${path}[${i}]`]));
      continue;
    }
    if (!isObject(node)) continue;
    if (typeof node.pattern === 'string') {
      const message = patternProblem(node.pattern);
      if (message) problems.push({ field: `${path}.pattern`, message });
    }
    if (isObject(node.patternProperties)) {
      for (const key of Object.keys(node.patternProperties)) {
        const message = patternProblem(key);
        if (message) problems.push({ field: child(`${path}.patternProperties`, key), message });
      }
    }
    if (node.uniqueItems === true && !(typeof node.maxItems === 'number' && node.maxItems <= UNIQUE_ITEMS_MAX)) {
      problems.push({ field: `${path}.uniqueItems`, message: `uniqueItems compares items pairwise: it needs a maxItems of at most ${UNIQUE_ITEMS_MAX}` });
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'enum' && key !== 'const' && key !== 'examples' && key !== 'default') stack.push([value, child(path, key)]);
    }
  }
  return problems.length ? problems : fanOutProblems(schema, field);
}

/** Keywords whose subschemas apply to the value itself (not to its items or properties). */
const IN_PLACE_LISTS = ['allOf', 'anyOf', 'oneOf'];
const IN_PLACE_ONE = ['not', 'if', 'then', 'else'];

/** Schema objects by path, with the targets `$id`s and anchors name. */
function index(schema: unknown, field: string) {
  const paths = new Map<Record<string, unknown>, string>();
  const named = new Map<string, object>();
  const stack: [unknown, string][] = [[schema, field]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (Array.isArray(node)) node.forEach((v, i) => stack.push([v, `${path}[${i}]`]));
    if (!isObject(node)) continue;
    paths.set(node, path);
    if (typeof node.$id === 'string') named.set(node.$id.replace(/#$/, ''), node);
    for (const key of ['$anchor', '$dynamicAnchor']) if (typeof node[key] === 'string') named.set(`#${node[key] as string}`, node);
    for (const [key, value] of Object.entries(node)) if (key !== 'enum' && key !== 'const' && key !== 'examples' && key !== 'default') stack.push([value, child(path, key)]);
  }
  return { paths, named };
}

/** The schema a `$ref` points at inside `root`, or undefined. */
function resolve(root: unknown, named: Map<string, object>, ref: string): unknown {
  if (named.has(ref)) return named.get(ref);
  const hash = ref.indexOf('#');
  const base = hash < 0 ? ref : ref.slice(0, hash);
  const fragment = hash < 0 ? '' : ref.slice(hash + 1);
  let node: unknown = base ? named.get(base) : root;
  if (node === undefined || (fragment && !fragment.startsWith('/'))) return named.get(`#${fragment}`);
  for (const part of fragment.split('/').slice(1)) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/** How many subschemas check one value, per schema object: refused past IN_PLACE_MAX or on a loop. */
function fanOutProblems(schema: unknown, field: string): FieldError[] {
  const { paths, named } = index(schema, field);
  const weights = new Map<object, number>();
  const open = new Set<object>();
  const problems: FieldError[] = [];

  function weight(node: Record<string, unknown>): number {
    const known = weights.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) return Infinity;
    open.add(node);
    const path = paths.get(node) ?? field;
    const parts: [unknown, string][] = [];
    for (const key of IN_PLACE_LISTS) if (Array.isArray(node[key])) (node[key] as unknown[]).forEach((v, i) => parts.push([v, `${path}.${key}[${i}]`]));
    for (const key of IN_PLACE_ONE) parts.push([node[key], `${path}.${key}`]);
    if (isObject(node.dependentSchemas)) for (const [k, v] of Object.entries(node.dependentSchemas)) parts.push([v, child(`${path}.dependentSchemas`, k)]);
    for (const key of ['$ref', '$dynamicRef']) {
      if (typeof node[key] !== 'string') continue;
      const target = resolve(schema, named, node[key] as string);
      if (!isObject(target)) problems.push({ field: `${path}.${key}`, message: 'a $ref must point inside the schema (a JSON pointer, an anchor or an $id of its own)' });
      else parts.push([target, `${path}.${key}`]);
    }
    let total = 1;
    for (const [part, where] of parts) {
      if (!isObject(part)) continue;
      const w = weight(part);
      if (w === Infinity && open.has(part)) problems.push({ field: where, message: 'a $ref loop that does not descend into the data would never end' });
      total = Math.min(total + w, Infinity);
    }
    open.delete(node);
    weights.set(node, total);
    return total;
  }

  for (const node of paths.keys()) {
    if (weight(node) > IN_PLACE_MAX && !problems.length) {
      problems.push({ field: paths.get(node)!, message: `its allOf/anyOf/oneOf/not/if and $ref branches check one value against more than ${IN_PLACE_MAX.toLocaleString('en-US')} subschemas` });
    }
  }
  return problems;
}
