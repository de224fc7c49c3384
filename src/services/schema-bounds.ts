// What an event type's JSON Schema may ask of the validator, checked at registration. Every event
// of the type is validated on the API thread, so a schema must not be able to make one
// validation slow:
// - `pattern`s and `patternProperties` keys run on RE2 (linear time; see regExpEngine below),
//   so a pattern RE2 cannot run (backreferences, lookaround) is refused here, with where it is;
//   linear is not free (re2js scans 0.1–0.4 µs a character), so a pattern is never tested on a
//   text longer than PATTERN_SUBJECT_MAX_CHARS (about 4 ms at worst): such a value fails it;
// - `uniqueItems` compares items pairwise when they are objects (quadratic), so it needs a
//   `maxItems` of at most UNIQUE_ITEMS_MAX beside it;
// - the schema's own size is bounded (Ajv compiles it to code once per type version).
// `format`s are not validated at all (validateFormats: false), so none can be slow.
import { RE2JS } from 're2js';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import type { FieldError } from '../core/errors.ts';

export const SCHEMA_MAX_CHARS = 256 * 1024;
export const PATTERN_MAX_CHARS = 1_000;
export const UNIQUE_ITEMS_MAX = 1_000;
export const PATTERN_SUBJECT_MAX_CHARS = 10_000;

/** Ajv's `code.regExp`: patterns compiled by RE2, which never backtracks. */
export const regExpEngine: RegExpEngine = Object.assign(
  (pattern: string): { test: (s: string) => boolean; toString: () => string } => {
    const re = RE2JS.compile(pattern);
    // toString is Ajv's cache key for a compiled pattern.
    return { test: (s: string) => s.length <= PATTERN_SUBJECT_MAX_CHARS && re.matcher(s).find(), toString: () => `re2:${pattern}` };
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
  return problems;
}
