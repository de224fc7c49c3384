// Sends one request and reports what happened, never throwing: a response (any status, body
// cut at 64 KiB) or a classified error. Connections are pooled and kept alive per origin. A URL
// that names a broker (amqp, nats, redis, mqtt) is published there instead (destinations/).
// Redirects are not followed (a 3xx is the answer, a failure, as Standard Webhooks advises)
// unless the webhook asks: then a loop here follows them (core/redirects.ts says how), each hop
// through the same guarded connector, within the one deadline. undici's redirect interceptor
// would pass the guard too (it dispatches each hop on this agent) but is not used: it turns only
// POST into GET on 301/302 and keeps Content-Type there, follows 300, and keeps only the URLs of
// the hops, not what answered.
import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import { isBrokerUrl } from '../core/destinations.ts';
import { createBrokers, type Brokers } from '../destinations/brokers.ts';
import { describeRedirects, MAX_REDIRECTS, nextHop } from '../core/redirects.ts';
import type { AttemptRequest, AttemptResponse, ErrorKind, Redirect } from '../core/model.ts';
import { guardedConnector } from './ssrf.ts';

export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

export interface SendOutcome {
  response: AttemptResponse | null;
  error: { kind: ErrorKind; message: string } | null;
  durationMs: number;
  /** Cut short by abortAll() (shutdown): not the receiver's doing, so not an attempt. */
  interrupted?: true;
}

// Deadlines are checked by one sweep for all requests in flight rather than a timer (and a
// combined signal) per request: AbortSignal.timeout + AbortSignal.any showed in the profile.
const SWEEP_MS = 100;

class ShutdownError extends Error {
  constructor() {
    super('aborted: Relais is shutting down');
  }
}

/** One send, over all its hops: one deadline, and the exchange under way to cut short. */
interface InFlight {
  deadline: number;
  timeoutMs: number;
  /** Cuts the current exchange short. */
  cancel?: ((reason: Error) => void) | undefined;
  /** Why it was cut short: a hop not started yet fails at once. */
  reason?: Error;
  abort(reason: Error): void;
}

/** One exchange's end: an answer, or what went wrong (classified by outcomeOf). */
type Exchange = { response: AttemptResponse; error: undefined } | { response: null; error: unknown };

/** A connection's TCP and TLS handshakes, at most (requests may give up sooner: their own deadline). */
const CONNECT_TIMEOUT_MS = 10_000;

const timeoutError = (timeoutMs: number): Error => Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' });

function outcomeOf(err: unknown): Omit<SendOutcome, 'durationMs'> {
  if (err instanceof ShutdownError) return { response: null, error: { kind: 'network', message: err.message }, interrupted: true };
  return { response: null, error: classify(err) };
}

/** What a webhook chooses of its requests; absent: the sender's defaults. */
export interface SendOptions {
  /** The whole attempt's, every hop included (null: the server's). */
  timeoutMs?: number | null;
  /** Follow up to MAX_REDIRECTS redirects, each hop through the SSRF guard like the first. */
  followRedirects?: boolean;
}

export interface SenderOptions {
  /** The server's request timeout (RELAIS_REQUEST_TIMEOUT), for webhooks that keep the default. */
  timeoutMs: number;
  allowTargets: readonly string[];
  /** Sockets per origin: bounds what one receiver gets from this process at once. */
  connectionsPerOrigin?: number;
  /** Where the broker publishers say what happens to their connections. */
  log?: Logger;
}

const ERROR_KINDS_BY_CODE: Record<string, ErrorKind> = {
  RELAIS_BLOCKED_TARGET: 'blocked',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ABORT_ERR: 'timeout',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NODATA: 'dns',
};

export function classify(err: unknown): { kind: ErrorKind; message: string } {
  let e = err as { code?: string; message?: string; cause?: unknown; name?: string } | undefined;
  // undici wraps the socket's error; the innermost code is the telling one.
  for (let depth = 0; e && depth < 4; depth++) {
    const code = e.code ?? (e.name === 'TimeoutError' || e.name === 'AbortError' ? 'ABORT_ERR' : undefined);
    if (code && ERROR_KINDS_BY_CODE[code]) return { kind: ERROR_KINDS_BY_CODE[code], message: e.message ?? code };
    if (code && /CERT|SSL|TLS|ERR_TLS/.test(code)) return { kind: 'tls', message: e.message ?? code };
    e = e.cause as typeof e;
  }
  const top = err as { message?: string } | undefined;
  return { kind: 'network', message: top?.message ?? String(err) };
}

function flatHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export function createSender(options: SenderOptions) {
  const agent = new Agent({
    // A connection serves requests of every webhook to its origin, whatever their timeouts: each
    // request's own deadline (the sweep) ends its wait for a connection sooner when it is shorter.
    connect: guardedConnector(options.allowTargets, CONNECT_TIMEOUT_MS),
    connections: options.connectionsPerOrigin ?? 64,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    pipelining: 1,
  });

  /** Requests in flight: their deadline, and how to cut them short. */
  const inFlight = new Set<InFlight>();
  /** Webhooks whose URL names a broker publish there (destinations/brokers.ts); made when first needed. */
  let brokers: Brokers | undefined;
  let sweeper: NodeJS.Timeout | undefined;

  function sweep(): void {
    const now = performance.now();
    for (const request of inFlight) if (request.deadline <= now) request.abort(timeoutError(request.timeoutMs));
    if (inFlight.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }

  /** One HTTP exchange of `flight`: the answer (body cut at 64 KiB) or the error, never a rejection. */
  function exchange(req: AttemptRequest, flight: InFlight): Promise<Exchange> {
    return new Promise<Exchange>((resolve) => {
      // undici's dispatch API with a handler of our own: no response stream, async iterator or
      // AbortSignal per request (all three showed in the dispatcher thread's profile).
      let settled = false;
      let controller: Dispatcher.DispatchController | undefined;
      let response: { status: number; headers: Record<string, string> } | undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      const settle = (outcome: Exchange): void => {
        if (settled) return;
        settled = true;
        flight.cancel = undefined;
        resolve(outcome);
      };
      // Before undici starts the request (it waits for a connection), end the exchange at once
      // rather than when the connection is made or given up: the request is dropped once it starts.
      flight.cancel = (reason) => (controller ? controller.abort(reason) : settle({ response: null, error: reason }));
      const answered = (truncated: boolean): void => {
        settle({ response: { ...response!, body: Buffer.concat(chunks).toString('utf8'), bodyTruncated: truncated }, error: undefined });
      };
      if (flight.reason) return settle({ response: null, error: flight.reason }); // cut short between two hops
      // undici's own timeouts only back the sweep up (a little later), so that a timeout reads the same,
      // naming the attempt's timeout, however the timers fall.
      const backstopMs = Math.max(0, Math.ceil(flight.deadline - performance.now())) + 2 * SWEEP_MS;
      try {
        const url = new URL(req.url);
        agent.dispatch({
          origin: url.origin, path: url.pathname + url.search, method: req.method as Dispatcher.HttpMethod, headers: req.headers,
          body: req.method === 'GET' ? undefined : req.body, headersTimeout: backstopMs, bodyTimeout: backstopMs,
        }, {
          onRequestStart(c) {
            controller = c;
            if (settled) c.abort(flight.reason ?? new Error('cut short'));
          },
          onResponseStart(_c, statusCode, headers) {
            if (statusCode >= 200) response = { status: statusCode, headers: flatHeaders(headers) }; // not a 1xx
          },
          onResponseData(c, chunk) {
            // Keep at most 64 KiB of the answer, then drop the connection rather than wait for the rest.
            const room = MAX_RESPONSE_BODY_BYTES - size;
            if (chunk.length <= room) {
              chunks.push(chunk);
              size += chunk.length;
              return;
            }
            chunks.push(chunk.subarray(0, room));
            answered(true);
            c.abort(new Error('response body cut at 64 KiB'));
          },
          onResponseEnd() {
            answered(false);
          },
          onResponseError(_c, err) {
            settle({ response: null, error: err });
          },
        });
      } catch (err) {
        settle({ response: null, error: err }); // an invalid request: undici refuses it before sending
      }
    });
  }

  /** Exchanges until an answer that is not a redirect to follow, at most MAX_REDIRECTS hops. */
  async function follow(req: AttemptRequest, flight: InFlight): Promise<Omit<SendOutcome, 'durationMs'>> {
    const redirects: Redirect[] = [];
    const after = (message: string): string => (redirects.length ? `after ${redirects.length} redirect(s) (${describeRedirects(redirects)}): ${message}` : message);
    for (let current = req; ;) {
      const { response, error } = await exchange(current, flight);
      if (!response) {
        const outcome = outcomeOf(error);
        return outcome.error ? { ...outcome, error: { ...outcome.error, message: after(outcome.error.message) } } : outcome;
      }
      const next = nextHop(current, response.status, response.headers.location);
      if (!next) return { response: redirects.length ? { ...response, redirects } : response, error: null };
      if ('refused' in next) return { response: null, error: { kind: 'redirect', message: after(next.refused) } };
      if (redirects.length === MAX_REDIRECTS) {
        return { response: null, error: { kind: 'redirect', message: `more than ${MAX_REDIRECTS} redirects (${describeRedirects(redirects)}, then ${response.status} → ${next.redirect.url}): not followed` } };
      }
      redirects.push(next.redirect);
      current = next.follow;
    }
  }

  return {
    /** Makes `req` within its timeout (options.timeoutMs unless `how` names one), following redirects if asked. */
    async send(req: AttemptRequest, how: SendOptions = {}): Promise<SendOutcome> {
      const started = performance.now();
      const timeoutMs = how.timeoutMs ?? options.timeoutMs;
      if (isBrokerUrl(req.url)) {
        brokers ??= createBrokers({ allowTargets: options.allowTargets, classify, log: options.log });
        return brokers.send(req, timeoutMs);
      }
      const flight: InFlight = {
        deadline: started + timeoutMs,
        timeoutMs,
        abort(reason) {
          this.reason ??= reason;
          this.cancel?.(reason);
        },
      };
      inFlight.add(flight);
      sweeper ??= setInterval(sweep, SWEEP_MS);
      try {
        const outcome = how.followRedirects ? await follow(req, flight) : await exchange(req, flight).then(({ response, error }) => response ? { response, error: null } : outcomeOf(error));
        return { ...outcome, durationMs: Math.round(performance.now() - started) };
      } finally {
        inFlight.delete(flight);
      }
    },
    /** Aborts every request in flight (shutdown); their outcomes say `interrupted`. */
    abortAll(): void {
      for (const request of inFlight) request.abort(new ShutdownError());
      brokers?.abortAll();
    },
    async close(): Promise<void> {
      clearInterval(sweeper);
      await Promise.all([agent.close(), brokers?.close()]);
    },
  };
}
export type Sender = ReturnType<typeof createSender>;
