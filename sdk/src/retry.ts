// The fetch every call goes through: one attempt, or several when the request may safely be made
// again. A request is retried on 429, 502, 503 and 504 answers and on network errors (the
// connection refused or reset, an attempt's timeout), with exponential backoff and full jitter,
// waiting what a Retry-After header asks (seconds or an HTTP date) when the answer has one.
//
// Only requests that may be made twice are retried: GET, HEAD, OPTIONS, PUT and DELETE, and those
// the client marks (events, which always carry an idempotency id; upserts; PATCHes that set
// values). A POST that creates something is made once.

export interface RetryOptions {
  /** Attempts in all, the first included: 1 never retries. Default 4. */
  maxAttempts?: number;
  /** The first backoff; each next one doubles, capped by maxDelayMs. Default 500 ms. */
  baseDelayMs?: number;
  /** The longest backoff (without Retry-After). Default 10 s. */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the answer is returned (and thrown) as it is. Default 60 s. */
  maxRetryAfterMs?: number;
}

export interface RetryInfo {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  method: string;
  url: string;
  /** The answer's status, or undefined for a network error. */
  status: number | undefined;
  /** The network error, when there was no answer. */
  error: unknown;
}

export interface TransportOptions {
  retry?: RetryOptions | false | undefined;
  /** Each attempt's time limit, until the answer's headers arrive. Default 30 s; 0: none. */
  timeoutMs?: number | undefined;
  /** Called before each wait, e.g. to log it. */
  onRetry?: ((info: RetryInfo) => void) | undefined;
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** The source of randomness for jitter, [0, 1). Default Math.random. */
  random?: (() => number) | undefined;
}

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * What a Retry-After header asks to wait, in ms (never negative), or undefined when it has none or
 * cannot be read: `120` (seconds) or an HTTP date.
 */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Full jitter: a random wait in [0, min(max, base × 2^(attempt-1))]. */
export function backoffMs(attempt: number, options: Required<Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>>, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * random());
}

/** Resolves after ms, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface Transport {
  /** For openapi-fetch: retries only idempotent methods. */
  fetch: (request: Request) => Promise<Response>;
  /** For a request safe to make twice whatever its method (it carries an idempotency id). */
  fetchIdempotent: (request: Request) => Promise<Response>;
}

export function createTransport(options: TransportOptions = {}): Transport {
  const retry = options.retry === false ? { maxAttempts: 1 } : options.retry ?? {};
  const maxAttempts = Math.max(1, Math.floor(retry.maxAttempts ?? 4));
  const delays = { baseDelayMs: retry.baseDelayMs ?? 500, maxDelayMs: retry.maxDelayMs ?? 10_000 };
  const maxRetryAfterMs = retry.maxRetryAfterMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const random = options.random ?? Math.random;
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));

  /** One attempt: a fresh Request (a body is read once), its time limit running until the answer's headers arrive, so a streamed body (an export) is not cut. */
  async function attempt(template: Request, body: ArrayBuffer | undefined): Promise<Response> {
    const timeout = new AbortController();
    const timer = timeoutMs > 0 ? setTimeout(() => timeout.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs) : undefined;
    try {
      return await send(new Request(template.url, { method: template.method, headers: template.headers, body: body ?? null, redirect: template.redirect, signal: AbortSignal.any([template.signal, timeout.signal]) }));
    } finally {
      clearTimeout(timer);
    }
  }

  async function run(request: Request, mayRetry: boolean): Promise<Response> {
    const attempts = mayRetry ? maxAttempts : 1;
    const body = request.body === null ? undefined : await request.arrayBuffer();
    for (let n = 1; ; n++) {
      let response: Response | undefined;
      let error: unknown;
      try {
        response = await attempt(request, body);
      } catch (err) {
        // The caller's own abort is final; a network error or an attempt's timeout may be retried.
        if (request.signal.aborted) throw err;
        error = err;
      }
      const retryable = response === undefined || RETRYABLE_STATUSES.has(response.status);
      if (!retryable || n >= attempts) {
        if (response) return response;
        throw error;
      }
      const asked = response ? retryAfterMs(response.headers.get('retry-after')) : undefined;
      if (asked !== undefined && asked > maxRetryAfterMs) return response!;
      const delayMs = asked ?? backoffMs(n, delays, random);
      options.onRetry?.({ attempt: n, delayMs, method: request.method, url: request.url, status: response?.status, error });
      // The answer is dropped: free its connection.
      await response?.body?.cancel().catch(() => undefined);
      await sleep(delayMs, request.signal);
    }
  }

  return {
    fetch: (request) => run(request, IDEMPOTENT_METHODS.has(request.method.toUpperCase())),
    fetchIdempotent: (request) => run(request, true),
  };
}
