// `form` (seed 002, Dokos/Frappe): chosen fields of the document, each under its field name or
// under the key of a Frappe row ({key, field}). Urlencoded by default (scalars as text, objects
// and arrays as their JSON); with a JSON content type, one JSON object `{key: value}` written as
// Python's json.dumps writes it, which is what Frappe's "Form URL-Encoded" webhooks really send.
// Numbers go as the producer wrote them (core/exact-numbers.ts).
import { parseExact } from '../exact-numbers.ts';
import { readPath } from '../matching.ts';
import type { FormField, RelaisEvent } from '../model.ts';
import type { RenderedBody } from './envelopes.ts';
import { pythonJson } from './python-json.ts';
import { isJsonContentType } from './template-context.ts';

const FORM_TYPE = 'application/x-www-form-urlencoded';

export const formKey = (f: FormField): string => (typeof f === 'string' ? f : f.key);
export const formPath = (f: FormField): string => (typeof f === 'string' ? f : f.field);

export function form(event: RelaisEvent, fields: readonly FormField[], contentType: string | null = null): RenderedBody {
  const exact = parseExact(event.dataJson);
  const data: unknown = exact ? exact.value : JSON.parse(event.dataJson);
  const restore = (json: string): string => (exact ? exact.restore(json) : json);
  if (contentType !== null && isJsonContentType(contentType)) {
    const object = Object.fromEntries(fields.map((f) => [formKey(f), readPath(data, formPath(f)) ?? null]));
    return { contentType, body: restore(pythonJson(object)) };
  }
  const text = (value: unknown): string => {
    if (value === undefined || value === null) return '';
    if (typeof value === 'object') return restore(JSON.stringify(value));
    if (typeof value !== 'string') return String(value);
    const json = JSON.stringify(value);
    const restored = restore(json);
    return restored === json ? value : restored; // a kept number stands as a marker string
  };
  const params = new URLSearchParams();
  for (const field of fields) params.append(formKey(field), text(readPath(data, formPath(field))));
  return { contentType: contentType ?? FORM_TYPE, body: params.toString() };
}
