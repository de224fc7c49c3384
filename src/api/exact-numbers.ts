// The event routes keep each event's JSON numbers as the producer wrote them
// (core/exact-numbers.ts). A route asks for it in its config; the body parser (input-limits.ts)
// hands the body's text here once it passed the input limits, and it is parsed again only when
// some number would be written otherwise. The route then takes each event's texts from here.
import type { FastifyRequest } from 'fastify';
import { exactEventJson, parseExact, type ExactEventJson, type ExactJson } from '../core/exact-numbers.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body's events keep their numbers as written: `{…event}`, or `{events: […]}`. */
    exactNumbers?: 'event' | 'events';
  }
}

const kept = new WeakMap<FastifyRequest, ExactJson>();

/** For the body parser: the text of a body that JSON.parse and the input limits accepted. */
export function keepExactNumbers(request: FastifyRequest, text: string): void {
  if (request.routeOptions.config?.exactNumbers === undefined) return;
  const exact = parseExact(text);
  if (exact) kept.set(request, exact);
}

/**
 * Each event's JSON texts, in the body's order (one for an `event` route), or undefined when
 * JSON.stringify writes every number of the body as it was sent.
 */
export function exactEvents(request: FastifyRequest): ExactEventJson[] | undefined {
  const exact = kept.get(request);
  if (!exact) return undefined;
  if (request.routeOptions.config.exactNumbers === 'event') return [exactEventJson(exact, exact.value)];
  // The schema accepted the body, and this is the same JSON: `events` is there, an array.
  const { events } = exact.value as { events: unknown[] };
  return events.map((e) => exactEventJson(exact, e));
}
