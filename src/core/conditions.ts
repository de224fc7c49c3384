// Conditions: CEL expressions a webhook's owner writes on the event, e.g.
// `data.status == "Open" && data.amount > 100`. CEL (via @marcbachmann/cel-js) was chosen over
// JSONLogic and filtrex because it is a standard (Google's, used by Kubernetes and Envoy) with
// a readable syntax, it cannot loop, and this interpreter refuses prototype keys such as
// `constructor`; it never reaches eval or Function. Pure: no I/O.
//
// What a tenant writes runs on every matching event, so it is bounded three ways:
// - at save (and check): it must parse, name only the context's variables, type-check, use RE2
//   patterns, and its static cost (condition-cost.ts) must fit CONDITION_COST_BUDGET;
// - at run time: it is evaluated with meters (condition-meter.ts) and stopped after
//   CONDITION_STEP_BUDGET steps, reported as a failed condition;
// - `matches()` runs on RE2 (linear time), not on a backtracking RegExp.
import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import { diff } from './changes.ts';
import { CONDITION_COST_BUDGET, estimateConditionCost } from './condition-cost.ts';
import { CONDITION_STEP_BUDGET, instrument, metered, registerMeters } from './condition-meter.ts';
import { compilePattern } from './condition-regex.ts';
import type { RelaisEvent } from './model.ts';

export const CONDITION_MAX_CHARS = 2000;

/**
 * The variables a condition sees (conditionContext). `doc` is `data` again, as Frappe (seed 002)
 * names the document in its conditions: `doc.status == "Open"`. `type` is not among them: in CEL
 * it names the built-in `type()`, so the event's type is matched by the webhook's `events`, not here.
 */
export const CONDITION_VARIABLES = ['tenant', 'data', 'doc', 'previous', 'changes', 'actor', 'resource'] as const;

// Structural limits at parse time: a 2,000-character condition stays far below them; the
// instrumented copy (meters added) too.
const LIMITS = { maxAstNodes: 10_000, maxDepth: 100, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 };

/** What users write is checked against this: the context's variables, nothing else. */
const checking = new Environment({ limits: LIMITS, unlistedVariablesAreDyn: false });
checking.registerVariable('tenant', 'string');
for (const name of CONDITION_VARIABLES) if (name !== 'tenant') checking.registerVariable(name, 'dyn');
/** What runs: the same, with the meters (names users cannot call: `checking` does not know them). */
const running = registerMeters(checking.clone());

type Compiled = ReturnType<Environment['parse']>;
export interface ConditionProblem {
  /** `syntax`: it does not parse; `refused`: it parses, but names an unknown variable, mistypes, or costs too much. */
  kind: 'syntax' | 'refused';
  message: string;
  position: number | undefined; // 0-based offset into the expression
}

type Entry = { ok: true; run: Compiled; cost: number } | { ok: false; problem: ConditionProblem };
const cache = new Map<string, Entry>();
const CACHE_SIZE = 1000;

function problemOf(err: unknown, kind: ConditionProblem['kind'] = 'refused'): ConditionProblem {
  const e = err as Error & { node?: { pos?: number } };
  return { kind, message: e.message.split('\n')[0] ?? e.message, position: e.node?.pos };
}

/** A name that is not a variable is most often a slip or another product's spelling: say which names there are. */
const withKnownVariables = (p: ConditionProblem): ConditionProblem =>
  (/^Unknown variable: /.test(p.message)
    ? { ...p, message: `${p.message}; the event's variables are ${CONDITION_VARIABLES.map((v) => (v === 'doc' ? 'doc (the same as data)' : v)).join(', ')}` }
    : p);

/** Literal patterns are compiled at save, so a bad one is refused there, with where. */
function patternProblem(node: ASTNode): ConditionProblem | undefined {
  const check = (pattern: ASTNode | undefined): ConditionProblem | undefined => {
    if (pattern?.op !== 'value' || typeof pattern.args !== 'string') return undefined;
    try {
      compilePattern(pattern.args);
      return undefined;
    } catch (err) {
      return { kind: 'refused', message: (err as Error).message, position: pattern.pos };
    }
  };
  let found: ConditionProblem | undefined;
  const walk = (n: unknown): void => {
    if (found || n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(walk);
    if (!('op' in n)) return;
    const node = n as ASTNode;
    if (node.op === 'rcall' && node.args[0] === 'matches') found = check(node.args[2][0]);
    if (node.op !== 'value') walk(node.args);
  };
  walk(node);
  return found;
}

const fmt = (n: number): string => (Number.isFinite(n) && n < 1e15 ? Math.round(n).toLocaleString('en-US') : `more than ${(1e15).toLocaleString('en-US')}`);

function compile(expression: string): Entry {
  let entry = cache.get(expression);
  if (entry) return entry;
  entry = (() => {
    let parsed: Compiled;
    try {
      parsed = checking.parse(expression);
    } catch (err) {
      return { ok: false, problem: problemOf(err, 'syntax') } as const;
    }
    const typed = parsed.check();
    if (!typed.valid) return { ok: false, problem: withKnownVariables(problemOf(typed.error)) } as const;
    const pattern = patternProblem(parsed.ast);
    if (pattern) return { ok: false, problem: pattern } as const;
    const { cost, over } = estimateConditionCost(parsed.ast);
    if (over) {
      const message = over.reason === 'cost'
        ? `too costly: up to ${fmt(cost)} steps when the event's lists and strings are at their largest (${fmt(CONDITION_COST_BUDGET)} at most); loop over fewer or shorter lists, or nest fewer loops`
        : 'too costly: it may build a value larger than 16 MiB or 1,000,000 elements';
      return { ok: false, problem: { kind: 'refused', message, position: over.position } } as const;
    }
    try {
      return { ok: true, run: running.parse(instrument(parsed.ast)), cost } as const;
    } catch (err) {
      return { ok: false, problem: { kind: 'refused', message: `this expression cannot be run with a budget: ${problemOf(err).message}`, position: undefined } } as const;
    }
  })();
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(expression, entry);
  return entry;
}

/** Why the expression cannot be saved (syntax, unknown variable, types, pattern, cost), with where; undefined when it can. */
export function conditionProblem(expression: string): ConditionProblem | undefined {
  const entry = compile(expression);
  return entry.ok ? undefined : entry.problem;
}

/** The condition's static cost in units (condition-cost.ts); undefined when it cannot be saved. */
export function conditionCost(expression: string): number | undefined {
  const entry = compile(expression);
  return entry.ok ? entry.cost : undefined;
}

/** The variables an expression sees. */
export function conditionContext(event: Pick<RelaisEvent, 'type' | 'tenantId' | 'actor' | 'resource' | 'previous' | 'changes'>, data: unknown): Record<string, unknown> {
  return {
    type: event.type,
    tenant: event.tenantId,
    data,
    doc: data,
    previous: event.previous,
    changes: event.changes ?? (event.previous === null ? {} : diff(event.previous, data)),
    actor: event.actor ?? {},
    resource: event.resource ?? {},
  };
}

export type ConditionResult = { ok: true; matches: boolean } | { ok: false; error: string };

/**
 * Evaluates an expression within the run-time budget; a run-time error (missing key, wrong
 * types) or a spent budget is reported, not thrown.
 */
export function evaluateCondition(expression: string, context: Record<string, unknown>, budget = CONDITION_STEP_BUDGET): ConditionResult {
  const entry = compile(expression);
  if (!entry.ok) return { ok: false, error: entry.problem.message };
  const result = metered(budget, () => entry.run(context) as unknown);
  if (!result.ok) {
    if (result.stopped) return { ok: false, error: `stopped: the condition went over its run-time budget of ${fmt(budget)} steps on this event` };
    return { ok: false, error: problemOf(result.error).message };
  }
  const value = result.value;
  if (typeof value !== 'boolean') return { ok: false, error: `the condition gave ${typeof value === 'bigint' ? 'int' : typeof value}, not a bool` };
  return { ok: true, matches: value };
}

/** A problem as one line, with where: `syntax error at position 15: …`, `Unknown variable: nope; the event's variables are … (at position 0)`. */
export function conditionProblemMessage(p: ConditionProblem): string {
  if (p.kind === 'syntax') return `syntax error${p.position === undefined ? '' : ` at position ${p.position}`}: ${p.message}`;
  return `${p.message}${p.position === undefined ? '' : ` (at position ${p.position})`}`;
}
