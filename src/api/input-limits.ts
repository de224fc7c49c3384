// Limits every request meets before a schema sees it: JSON bodies are walked for what no route
// may accept (core/json-limits.ts), path and query values for control characters and length.
// Each is refused with a 422 naming the field, before authentication looks anything up.
import type { FastifyInstance } from 'fastify';
import { errors, type FieldError } from '../core/errors.ts';
import { jsonProblem, textProblem } from '../core/json-limits.ts';
import { keepExactNumbers } from './exact-numbers.ts';
import { TenantId } from '../schemas/common.ts';
import type { z } from 'zod';

/** Path segments and query values: the schemas bound each one lower; this stops the rest before any lookup. */
export const MAX_URL_VALUE_CHARS = 1_000;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const URL_VALUE_CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Path parameters that authentication reads before the route's schema runs: checked here, so a
 * malformed one is named (422) rather than looked up and answered 404.
 */
const EARLY_PARAMS: Record<string, z.ZodType<string>> = { tenant: TenantId };

function earlyParamProblems(params: unknown): FieldError[] {
  if (params === null || typeof params !== 'object') return [];
  return Object.entries(EARLY_PARAMS).flatMap(([name, schema]) => {
    const value = (params as Record<string, unknown>)[name];
    if (typeof value !== 'string') return [];
    const parsed = schema.safeParse(value);
    return parsed.success ? [] : [{ field: `params.${name}`, message: parsed.error.issues[0]?.message ?? 'invalid' }];
  });
}

function urlValueProblems(values: unknown, where: 'params' | 'query'): FieldError[] {
  if (values === null || typeof values !== 'object') return [];
  const problems: FieldError[] = [];
  for (const [name, value] of Object.entries(values)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string') continue;
      const field = `${where}.${name}`;
      if (v.length > MAX_URL_VALUE_CHARS) problems.push({ field, message: `longer than ${MAX_URL_VALUE_CHARS} characters` });
      else if (URL_VALUE_CONTROL.test(v)) problems.push({ field, message: 'may not contain control characters (NUL, CR, LF…)' });
      else if (textProblem(v)) problems.push({ field, message: textProblem(v)! });
    }
  }
  return problems;
}

/** Install before anything that reads the path or the body (authentication looks the tenant up). */
export function installInputLimits(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const problems = [...urlValueProblems(request.params, 'params'), ...urlValueProblems(request.query, 'query')];
    if (problems.length === 0) problems.push(...earlyParamProblems(request.params));
    if (problems.length) throw errors.validation(problems);
  });

  // Fastify's own JSON parser (with its prototype-poisoning guard), then the walk; then, for the
  // event routes, the producer's number texts (exact-numbers.ts).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      const problem = jsonProblem(value);
      if (problem) return done(errors.validation([problem]), undefined);
      keepExactNumbers(request, body as string);
      done(null, value);
    });
  });
}
