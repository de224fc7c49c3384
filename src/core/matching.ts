// Which webhooks an event goes to. Pure: the store hands in the tenant's enabled webhooks.
export interface Subscription {
  events: readonly string[];
  filters: Readonly<Record<string, readonly FilterValue[]>>;
}
export type FilterValue = string | number | boolean | null;

/** `*` takes everything, `prefix.*` takes every type under that prefix, anything else is exact. */
export function typeMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** A dotted path into the event's data: `applicant.column_id`. */
export function readPath(data: unknown, path: string): unknown {
  let value: unknown = data;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Every filter must hold: the field's value (or one element of it, for arrays) is allowed. */
export function filtersMatch(filters: Subscription['filters'], data: unknown): boolean {
  for (const [field, allowed] of Object.entries(filters)) {
    if (allowed.length === 0) continue;
    const value = readPath(data, field);
    const values = Array.isArray(value) ? value : [value];
    if (!values.some((v) => allowed.some((a) => a === v || (a !== null && v !== null && String(a) === String(v))))) {
      return false;
    }
  }
  return true;
}

export function subscriptionMatches(sub: Subscription, type: string, data: unknown): boolean {
  return sub.events.some((pattern) => typeMatches(pattern, type)) && filtersMatch(sub.filters, data);
}
