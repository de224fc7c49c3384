// What a failed call throws. Relais answers every error as an RFC 9457 problem detail with a
// stable `code` and `errors: [{field, message}]` naming the offending input; a RelaisApiError
// carries all of it, and stays readable when something else answered (a proxy's HTML 502).
import type { FieldError, Problem } from './types.js';

export class RelaisApiError extends Error {
  override readonly name = 'RelaisApiError';
  /** The HTTP status. */
  readonly status: number;
  /** The problem's type URI (`about:blank` when the answer was no problem detail). */
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** Relais' stable error code (`RELAIS_ERR_…`); undefined when the answer was no problem detail. */
  readonly code: string | undefined;
  /** The offending input, one entry per field (`events[2].id`); empty when none is named. */
  readonly errors: FieldError[];
  /** The problem detail as answered, or undefined when the body was none. */
  readonly problem: Problem | undefined;
  readonly method: string;
  readonly url: string;
  /** The answer's headers (Retry-After…). */
  readonly headers: Headers;

  constructor(init: { status: number; method: string; url: string; headers: Headers; problem?: Problem | undefined; body?: string | undefined; statusText?: string }) {
    const { problem } = init;
    const title = problem?.title ?? (init.statusText || `HTTP ${init.status}`);
    const detail = problem?.detail ?? (init.body ?? '').slice(0, 500);
    const fields = problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    super(`${init.method} ${init.url}: ${init.status} ${title}${detail ? `: ${detail}` : ''}${fields && !detail.includes(fields) ? ` (${fields})` : ''}`);
    this.status = init.status;
    this.type = problem?.type ?? 'about:blank';
    this.title = title;
    this.detail = detail;
    this.code = problem?.code;
    this.errors = problem?.errors ?? [];
    this.problem = problem;
    this.method = init.method;
    this.url = init.url;
    this.headers = init.headers;
  }

  /** The message for a field, e.g. `error.fieldError('url')`; undefined when that field is not named. */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

/** Whether a parsed body is a problem detail (Relais' shape: type, title, status, detail). */
export function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const p = body as Record<string, unknown>;
  return typeof p.title === 'string' && typeof p.status === 'number' && (p.errors === undefined || Array.isArray(p.errors));
}

/** The error for a failed answer; `body` is what openapi-fetch parsed (JSON, or the raw text). */
export function apiError(request: { method: string; url: string }, response: Response, body: unknown): RelaisApiError {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch { /* not JSON: keep the text */ }
  }
  return new RelaisApiError({
    status: response.status, statusText: response.statusText, method: request.method, url: request.url, headers: response.headers,
    problem: isProblem(parsed) ? parsed : undefined,
    body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
  });
}
