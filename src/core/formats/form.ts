// `form` (seed 002, Dokos/Frappe): chosen fields of the document, urlencoded, keyed by field
// name. Scalars are sent as text; objects and arrays as their JSON.
import { readPath } from '../matching.ts';
import type { RelaisEvent } from '../model.ts';
import type { RenderedBody } from './envelopes.ts';

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function form(event: RelaisEvent, fields: readonly string[]): RenderedBody {
  const data: unknown = JSON.parse(event.dataJson);
  const params = new URLSearchParams();
  for (const field of fields) params.append(field, text(readPath(data, field)));
  return { contentType: 'application/x-www-form-urlencoded', body: params.toString() };
}
