// JSON text that two equal values always share: object keys sorted, no whitespace. Used to tell
// whether an event sent again under the same idempotency id carries the same content.
import type { Json } from './model.ts';

/** Recursive: the values it is given passed the API's depth limit (api/input-limits.ts) or were stored after it. */
export function canonicalJson(value: Json | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
