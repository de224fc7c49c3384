// An idempotency id names one event. Sent again with the same type and data (object keys in any
// order) it is a duplicate, answered with the stored event; with another type or data it is a
// mistake the sender must hear of — a 409 naming the id, as Stripe answers — not silently the
// first event.
import { canonicalJson } from '../core/canonical-json.ts';
import { errors, type FieldError } from '../core/errors.ts';
import type { Json, RelaisEvent } from '../core/model.ts';
import type { EventIn } from '../schemas/events.ts';
import type { IngestResult, Store } from '../store/store.ts';

type Content = { type: string; data: Json };
const contentOf = (input: EventIn): Content => ({ type: input.type, data: input.data as Json });
const storedContent = (e: RelaisEvent): Content => ({ type: e.type, data: JSON.parse(e.dataJson) as Json });
const same = (a: Content, b: Content): boolean => a.type === b.type && canonicalJson(a.data) === canonicalJson(b.data);

const problem = (field: string, key: string): FieldError =>
  ({ field, message: `id "${key}" was already used for an event with another type or data: give a new event a new id` });

/**
 * Before a batch is stored, so that a refused batch stores nothing: an id used twice in it, or
 * already stored, with other content. (A single event needs no look-up: a duplicate stores nothing.)
 */
export async function refuseReusedIds(store: Store, tenantId: string, inputs: readonly EventIn[], fieldPrefix: (i: number) => string): Promise<void> {
  const first = new Map<string, Content>();
  const problems: FieldError[] = [];
  for (const [i, input] of inputs.entries()) {
    if (input.id === undefined) continue;
    const earlier = first.get(input.id);
    if (!earlier) first.set(input.id, contentOf(input));
    else if (!same(earlier, contentOf(input))) problems.push(problem(`${fieldPrefix(i)}id`, input.id));
  }
  if (first.size > 0 && problems.length === 0) {
    const stored = await store.events.byKeys(tenantId, [...first.keys()]);
    for (const [i, input] of inputs.entries()) {
      const event = input.id === undefined ? undefined : stored.get(input.id);
      if (event && !same(storedContent(event), contentOf(input))) problems.push(problem(`${fieldPrefix(i)}id`, input.id!));
    }
  }
  if (problems.length) throw errors.idempotencyConflict(problems);
}

/**
 * After storing: a duplicate answered with an event of other content. For a single event this is
 * the check (nothing was stored); for a batch, a concurrent request that stored the id between
 * refuseReusedIds and the write.
 */
export function refuseConflictingDuplicates(results: readonly IngestResult[], inputs: readonly EventIn[], fieldPrefix: (i: number) => string): void {
  const problems = results.flatMap((r, i) =>
    !r.created && !same(storedContent(r.event), contentOf(inputs[i]!)) ? [problem(`${fieldPrefix(i)}id`, inputs[i]!.id!)] : []);
  if (problems.length) throw errors.idempotencyConflict(problems);
}
