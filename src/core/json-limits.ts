// What no JSON input may hold, whichever route or command it reaches: nesting deeper than
// MAX_JSON_DEPTH (zod, the matcher and the renderer recurse: 10,000 levels overflowed the
// stack), NUL characters (PostgreSQL refuses them in text), lone surrogates (stored as U+FFFD:
// not what was sent) and numbers JSON cannot write back (1e309 parses to Infinity, stored as
// null). The walk is iterative: no input can make it overflow the stack.
import type { FieldError } from './errors.ts';

/** Levels of objects and arrays in a body: far beyond any business payload, far below any stack limit. */
export const MAX_JSON_DEPTH = 64;
// A NUL or any surrogate (a quick test), then a surrogate that is not half of a pair (with the u
// flag, a pair reads as one code point).
const SUSPECT_TEXT = /[\0\ud800-\udfff]/;
const LONE_SURROGATE = /\p{Cs}/u;

export function textProblem(text: string): string | undefined {
  if (!SUSPECT_TEXT.test(text)) return undefined;
  if (text.includes('\0')) return 'may not contain NUL characters (\\u0000)';
  return LONE_SURROGATE.test(text) ? 'is not valid Unicode (a lone surrogate)' : undefined;
}

interface Frame { key: string | number | undefined; parent: Frame | undefined; depth: number }

/** `data.items[3].name`; the body itself when the path is empty or starts in a top-level array. */
function fieldOf(frame: Frame, maxSegments = Infinity): string {
  const keys: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f && f.key !== undefined; f = f.parent) keys.push(f.key);
  keys.reverse();
  const shown = keys.slice(0, maxSegments)
    // eslint-disable-next-line no-control-regex -- a NUL in a key is shown escaped
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${k.replace(/[\x00-\x1f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`));
  if (shown.length === 0) return 'body';
  return typeof keys[0] === 'number' ? `body${shown.join('')}` : shown.join('');
}

/** The problem with one value itself (not its children), or undefined: on the hot path, so it allocates nothing when all is well. */
function valueProblem(v: unknown, depth: number, maxDepth: number): string | undefined {
  if (typeof v === 'string') return textProblem(v);
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : 'a number too large for JSON (it would be stored as null)';
  if (v !== null && typeof v === 'object' && depth >= maxDepth) return `nested deeper than ${maxDepth} levels`;
  return undefined;
}

/**
 * The first thing in a parsed JSON value that no route may accept, or undefined. Too deep is
 * named by its first three segments (`data`, `webhook.template`, `events[2].data`): the rest
 * of a 10,000-level path says nothing.
 */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): FieldError | undefined {
  const found = (key: string | number | undefined, parent: Frame | undefined, depth: number, message: string): FieldError =>
    ({ field: fieldOf({ key, parent, depth }, message.startsWith('nested') ? 3 : Infinity), message });
  const rootProblem = valueProblem(value, 0, maxDepth);
  if (rootProblem) return found(undefined, undefined, 0, rootProblem);
  if (value === null || typeof value !== 'object') return undefined;
  // Only containers are stacked, each with a frame (its key and parent) to name a problem below it.
  const stack: { value: object; frame: Frame }[] = [{ value, frame: { key: undefined, parent: undefined, depth: 0 } }];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const { value: v, frame } = top;
    const depth = frame.depth + 1;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child: unknown = v[i];
        const problem = valueProblem(child, depth, maxDepth);
        if (problem) return found(i, frame, depth, problem);
        if (child !== null && typeof child === 'object') stack.push({ value: child, frame: { key: i, parent: frame, depth } });
      }
      continue;
    }
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue;
      const keyProblem = textProblem(key);
      if (keyProblem) return found(key, frame, depth, `its name ${keyProblem}`);
      const child: unknown = (v as Record<string, unknown>)[key];
      const problem = valueProblem(child, depth, maxDepth);
      if (problem) return found(key, frame, depth, problem);
      if (child !== null && typeof child === 'object') stack.push({ value: child, frame: { key, parent: frame, depth } });
    }
  }
  return undefined;
}
