// `matches()` for conditions, on RE2 (re2js) instead of the interpreter's JavaScript RegExp: RE2
// never backtracks, so a pattern such as `^(a+)+$` runs in time linear in the text (CEL's own
// spec names RE2 syntax). Patterns are bounded in size and compiled once. Pure: no I/O.
import { RE2JS } from 're2js';

/** The longest pattern `matches()` accepts. */
export const CONDITION_MAX_PATTERN_CHARS = 500;

const compiled = new Map<string, RE2JS>();
const CACHE_SIZE = 200;

/** The compiled pattern; throws an Error whose message says why it cannot be used. */
export function compilePattern(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (re) return re;
  if (pattern.length > CONDITION_MAX_PATTERN_CHARS) throw new Error(`the pattern of matches() is longer than ${CONDITION_MAX_PATTERN_CHARS} characters`);
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new Error(`invalid regular expression ${JSON.stringify(pattern)} (RE2 syntax): ${(err as Error).message}`);
  }
  if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  compiled.set(pattern, re);
  return re;
}

/** Whether `pattern` matches anywhere in `text`, as CEL's matches() (unanchored). */
export function patternMatches(text: string, pattern: string): boolean {
  return compilePattern(pattern).matcher(text).find();
}
