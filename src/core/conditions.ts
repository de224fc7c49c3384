// Conditions: CEL expressions a webhook's owner writes on the event, e.g.
// `data.status == "Open" && data.amount > 100`. CEL (via @marcbachmann/cel-js) was chosen over
// JSONLogic and filtrex because it is a standard (Google's, used by Kubernetes and Envoy) with
// a readable syntax, it cannot loop, and this interpreter refuses prototype keys such as
// `constructor`; it never reaches eval or Function. Pure: no I/O.
import { parse } from '@marcbachmann/cel-js';
import { diff } from './changes.ts';
import type { RelaisEvent } from './model.ts';

export const CONDITION_MAX_CHARS = 2000;

type Compiled = ReturnType<typeof parse>;
const cache = new Map<string, Compiled>();
const CACHE_SIZE = 1000;

export interface ConditionSyntaxError {
  message: string;
  position: number | undefined; // 0-based offset into the expression
}

function compile(expression: string): Compiled {
  let compiled = cache.get(expression);
  if (!compiled) {
    compiled = parse(expression);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(expression, compiled);
  }
  return compiled;
}

/** Why the expression cannot be parsed, with where; undefined when it parses. */
export function conditionSyntaxError(expression: string): ConditionSyntaxError | undefined {
  try {
    compile(expression);
    return undefined;
  } catch (err) {
    const e = err as Error & { node?: { pos?: number } };
    return { message: e.message.split('\n')[0] ?? e.message, position: e.node?.pos };
  }
}

/** The variables an expression sees. */
export function conditionContext(event: Pick<RelaisEvent, 'type' | 'tenantId' | 'actor' | 'resource' | 'previous' | 'changes'>, data: unknown): Record<string, unknown> {
  return {
    type: event.type,
    tenant: event.tenantId,
    data,
    previous: event.previous,
    changes: event.changes ?? (event.previous === null ? {} : diff(event.previous, data)),
    actor: event.actor ?? {},
    resource: event.resource ?? {},
  };
}

export type ConditionResult = { ok: true; matches: boolean } | { ok: false; error: string };

/** Evaluates an expression; a run-time error (missing key, wrong types) is reported, not thrown. */
export function evaluateCondition(expression: string, context: Record<string, unknown>): ConditionResult {
  try {
    const value = compile(expression)(context);
    if (typeof value !== 'boolean') return { ok: false, error: `the condition gave ${typeof value === 'bigint' ? 'int' : typeof value}, not a bool` };
    return { ok: true, matches: value };
  } catch (err) {
    return { ok: false, error: (err as Error).message.split('\n')[0] ?? String(err) };
  }
}
