// The one place the page calls the API: JSON over fetch with the bearer token, and problem
// details (RFC 9457) turned into an ApiError that keeps the fields they name.
import type { FieldError, ProblemDetail } from './types.ts';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly fields: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Client {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

function isProblem(value: unknown): value is ProblemDetail {
  return typeof value === 'object' && value !== null && typeof (value as ProblemDetail).detail === 'string' && typeof (value as ProblemDetail).code === 'string';
}

/** `onUnauthorized` runs when the token stops working (expired link or token), before the error is thrown. */
export function createClient(token: string, onUnauthorized: (error: ApiError) => void = () => {}): Client {
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        // Relative: the API is where the page is, also behind a proxy's sub-path.
        res = await fetch(path.replace(/^\//, ''), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch {
        throw new ApiError(0, 'NETWORK', 'Relais could not be reached: check your connection and try again.');
      }
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      if (res.ok) return parsed as T;
      const error = isProblem(parsed)
        ? new ApiError(res.status, parsed.code, parsed.detail, parsed.errors ?? [])
        : new ApiError(res.status, 'HTTP', `The request failed (HTTP ${res.status}).`);
      if (res.status === 401) onUnauthorized(error);
      throw error;
    },
  };
}
