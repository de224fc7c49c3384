// JSON Schema for event data (draft 2020-12, via Ajv). Schemas come from the product's backend
// (admin token only); validators are compiled once per event type version.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { FieldError } from '../core/errors.ts';

// A fresh Ajv per compile: one instance refuses a second schema with the same $id, which an
// updated event type would be. Compiles are rare (once per type version).
const compile = (schema: unknown): ValidateFunction => new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema as object);
const compiled = new Map<string, { version: number; validate: ValidateFunction }>();

/** Why a schema is unusable, or undefined when it compiles. */
export function schemaProblem(schema: unknown): string | undefined {
  try {
    compile(schema);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** `/applicant/vacancy_id` → `data.applicant.vacancy_id`; `/items/0` → `data.items[0]`. */
function path(prefix: string, e: ErrorObject): string {
  const parts = e.instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  if (e.keyword === 'additionalProperties') parts.push(String((e.params as { additionalProperty: string }).additionalProperty));
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : `${acc}.${p}`), prefix);
}

function fieldErrors(validate: ValidateFunction, data: unknown, prefix: string): FieldError[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => ({
    field: path(prefix, e),
    message: e.keyword === 'required' ? 'is required by the event type\'s schema' : `${e.message ?? 'is invalid'} (schema ${e.schemaPath})`,
  }));
}

/** Field errors for an event's data against its type's schema, compiled once per type version. */
export function validateData(typeName: string, version: number, schema: object, data: unknown, prefix: string): FieldError[] {
  let entry = compiled.get(typeName);
  if (!entry || entry.version !== version) {
    entry = { version, validate: compile(schema) };
    compiled.set(typeName, entry);
  }
  return fieldErrors(entry.validate, data, prefix);
}

/** Field errors for one value against a schema seen once (an event type's example). */
export const validateOnce = (schema: object, data: unknown, prefix: string): FieldError[] => fieldErrors(compile(schema), data, prefix);
