// JSON Schema for event data (draft 2020-12, via Ajv). Schemas come from the product's backend
// (admin token only); validators are compiled once per event type version. Their patterns run on
// RE2 and their cost is bounded at registration (schema-bounds.ts).
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { canonicalJson } from '../core/canonical-json.ts';
import type { Json } from '../core/model.ts';
import type { FieldError } from '../core/errors.ts';
import { PATTERN_BUDGET_CHARS, PATTERN_SUBJECT_MAX_CHARS, regExpEngine, schemaBoundsProblems, withPatternBudget } from './schema-bounds.ts';

/** uniqueItems in one pass: Ajv's own compares object items pairwise (20,000 items took 24 s). */
const uniqueItems = (on: boolean, items: unknown[]): boolean =>
  !on || new Set(items.map((item) => canonicalJson(item as Json))).size === items.length;

// A fresh Ajv per compile: one instance refuses a second schema with the same $id, which an
// updated event type would be. Compiles are rare (once per type version). inlineRefs off: a
// referenced schema is compiled once, not copied into every place that refers to it.
function compile(schema: unknown): ValidateFunction {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, inlineRefs: false, code: { regExp: regExpEngine } });
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword({ keyword: 'uniqueItems', type: 'array', schemaType: 'boolean', validate: uniqueItems, errors: false });
  return ajv.compile(schema as object);
}
const compiled = new Map<string, { version: number; validate: ValidateFunction }>();

/** Why a schema is unusable (each problem naming where, under `field`), or none when it compiles within bounds. */
export function schemaProblems(schema: unknown, field = 'schema'): FieldError[] {
  const bounds = schemaBoundsProblems(schema, field);
  if (bounds.length) return bounds;
  try {
    compile(schema);
    return [];
  } catch (err) {
    return [{ field, message: `not a valid JSON Schema: ${(err as Error).message}` }];
  }
}

/** `/applicant/vacancy_id` → `data.applicant.vacancy_id`; `/items/0` → `data.items[0]`. */
function path(prefix: string, e: ErrorObject): string {
  const parts = e.instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  if (e.keyword === 'additionalProperties') parts.push(String((e.params as { additionalProperty: string }).additionalProperty));
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : `${acc}.${p}`), prefix);
}

/** The value an error's instancePath points at. */
function valueAt(data: unknown, instancePath: string): unknown {
  return instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), data);
}

function message(e: ErrorObject, data: unknown, budgetSpent: boolean): string {
  if (e.keyword === 'required') return 'is required by the event type\'s schema';
  const value = e.keyword === 'pattern' ? valueAt(data, e.instancePath) : undefined;
  if (typeof value === 'string' && value.length > PATTERN_SUBJECT_MAX_CHARS) {
    return `is longer than ${PATTERN_SUBJECT_MAX_CHARS.toLocaleString('en-US')} characters, the most a schema's pattern is tested on (schema ${e.schemaPath})`;
  }
  if (budgetSpent && (e.keyword === 'pattern' || e.keyword === 'patternProperties')) {
    return `was not tested: the event's values checked against the schema's patterns exceed ${PATTERN_BUDGET_CHARS.toLocaleString('en-US')} characters in all (schema ${e.schemaPath})`;
  }
  return `${e.message ?? 'is invalid'} (schema ${e.schemaPath})`;
}

function fieldErrors(validate: ValidateFunction, data: unknown, prefix: string): FieldError[] {
  const { result: valid, spent } = withPatternBudget(() => validate(data));
  if (valid) return [];
  return (validate.errors ?? []).map((e) => ({ field: path(prefix, e), message: message(e, data, spent) }));
}

/** Field errors for an event's data against its type's schema, compiled once per type version. */
export function validateData(typeName: string, version: number, schema: object, data: unknown, prefix: string): FieldError[] {
  let entry = compiled.get(typeName);
  if (!entry || entry.version !== version) {
    try {
      entry = { version, validate: compile(schema) };
    } catch (err) {
      // A schema stored before today's bounds (a pattern RE2 cannot run): refuse the event, not 500.
      return [{ field: prefix, message: `the event type's schema cannot be used: ${(err as Error).message}; register the type again` }];
    }
    compiled.set(typeName, entry);
  }
  try {
    return fieldErrors(entry.validate, data, prefix);
  } catch (err) {
    // A $ref recursion deeper than the stack (a stored schema from before today's bounds).
    if (!(err instanceof RangeError)) throw err;
    return [{ field: prefix, message: 'the event type\'s schema recursed too deeply on this value; register the type again' }];
  }
}

/** Field errors for one value against a schema seen once (an event type's example). */
export const validateOnce = (schema: object, data: unknown, prefix: string): FieldError[] => fieldErrors(compile(schema), data, prefix);
