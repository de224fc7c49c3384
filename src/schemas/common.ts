// Building blocks of the request and response schemas. One zod schema validates a request,
// types the code that handles it, and becomes its part of /openapi.json.
import { z } from 'zod';
import { parseDurationMs } from '../core/duration.ts';

export const Iso = z.iso.datetime({ offset: true });
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/**
 * Any JSON value, as z.json() checks it, but written so /openapi.json can say it:
 *   - registered under an id, its recursion is a `$ref` to one component, not a `$defs` of a
 *     `__shared` schema that no validator resolves;
 *   - an array is documented as holding anything (`items: {}`, the same set for JSON) and checked
 *     here: an interface member that is an array of itself is circular to TypeScript (TS2502), so
 *     the types openapi-typescript makes from `items: {$ref: JsonValue}` do not compile.
 */
const json: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), jsonArray, z.record(z.string(), json)]));
const jsonArray = z.array(z.unknown()).check((ctx) => {
  ctx.value.forEach((item, i) => {
    for (const issue of json.safeParse(item).error?.issues ?? []) ctx.issues.push({ code: 'custom', message: issue.message, input: item, path: [i, ...issue.path] });
  });
});
z.globalRegistry.add(json, { id: 'JsonValue', description: 'Any JSON value' });
export const JsonValue: z.ZodType<unknown> = json;

export const TenantId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (1 to 64, starting with a letter or digit)');

export const EventTypeName = z.string().min(1).max(128)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - only');

/** `name`, `prefix.*` or `*`. */
export const EventPattern = z.string().min(1).max(128)
  .regex(/^(\*|[A-Za-z0-9_][A-Za-z0-9_.:-]*(\.\*)?)$/, 'an event type, "prefix.*" or "*"');

/** A duration's milliseconds, NaN when the text is not one: refinements must not throw. */
export function durationMsOrNaN(text: string): number {
  try {
    return parseDurationMs(text);
  } catch {
    return Number.NaN;
  }
}

export const Duration = z.string().max(40).refine((v) => !Number.isNaN(durationMsOrNaN(v)), 'a duration such as 0, 250ms, 5s, 5m, 2h or 5d');

/** A duration from `minMs` to `maxMs`, as the bound's text says (e.g. "from 0 to 30d"). */
export const durationWithin = (minMs: number, maxMs: number, bounds: string) =>
  Duration.refine((d) => {
    const ms = durationMsOrNaN(d); // zod runs this refinement even when Duration's own failed
    return Number.isNaN(ms) || (ms >= minMs && ms <= maxMs);
  }, bounds);

export const TenantParams = z.object({ tenant: TenantId });

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
}).meta({ id: 'Problem', description: 'RFC 9457 problem details' });
