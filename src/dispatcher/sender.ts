// Sends one request and reports what happened, never throwing: a response (any status, body
// cut at 64 KiB) or a classified error. Connections are pooled and kept alive per origin;
// redirects are not followed (a 3xx is a failure, as Standard Webhooks advises).
import { Agent, type Dispatcher } from 'undici';
import type { AttemptRequest, AttemptResponse, ErrorKind } from '../core/model.ts';
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

interface InFlight {
  deadline: number;
  abort(reason: Error): void;
}

export interface SenderOptions {
  timeoutMs: number;
  allowTargets: readonly string[];
  /** Sockets per origin: bounds what one receiver gets from this process at once. */
  connectionsPerOrigin?: number;
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
    connect: guardedConnector(options.allowTargets, Math.min(options.timeoutMs, 10_000)),
    connections: options.connectionsPerOrigin ?? 64,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    pipelining: 1,
  });

  /** Requests in flight: their deadline, and how to cut them short. */
  const inFlight = new Set<InFlight>();
  let sweeper: NodeJS.Timeout | undefined;
  const timeoutError = (): Error => Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { name: 'TimeoutError' });

  function sweep(): void {
    const now = performance.now();
    for (const request of inFlight) if (request.deadline <= now) request.abort(timeoutError());
    if (inFlight.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }

  return {
    send(req: AttemptRequest): Promise<SendOutcome> {
      const started = performance.now();
      return new Promise<SendOutcome>((resolve) => {
        // undici's dispatch API with a handler of our own: no response stream, async iterator or
        // AbortSignal per request (all three showed in the dispatcher thread's profile).
        let controller: Dispatcher.DispatchController | undefined;
        let abortedEarly: Error | undefined; // aborted before undici handed us its controller
        let response: { status: number; headers: Record<string, string> } | undefined;
        const chunks: Buffer[] = [];
        let size = 0;
        const request: InFlight = {
          deadline: started + options.timeoutMs,
          abort(reason) {
            if (controller) controller.abort(reason);
            else abortedEarly = reason;
          },
        };
        const finish = (outcome: Omit<SendOutcome, 'durationMs'>): void => {
          if (!inFlight.delete(request)) return; // settled already
          resolve({ ...outcome, durationMs: Math.round(performance.now() - started) });
        };
        const answered = (truncated: boolean): void => {
          finish({ response: { ...response!, body: Buffer.concat(chunks).toString('utf8'), bodyTruncated: truncated }, error: null });
        };
        const failed = (err: unknown): void => {
          if (err instanceof ShutdownError) finish({ response: null, error: { kind: 'network', message: err.message }, interrupted: true });
          else finish({ response: null, error: classify(err) });
        };
        inFlight.add(request);
        sweeper ??= setInterval(sweep, SWEEP_MS);
        try {
          const url = new URL(req.url);
          agent.dispatch({
            origin: url.origin, path: url.pathname + url.search, method: req.method as Dispatcher.HttpMethod, headers: req.headers,
            body: req.method === 'GET' ? undefined : req.body, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs,
          }, {
            onRequestStart(c) {
              controller = c;
              if (abortedEarly) c.abort(abortedEarly);
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
              failed(err);
            },
          });
        } catch (err) {
          failed(err); // an invalid request: undici refuses it before sending
        }
      });
    },
    /** Aborts every request in flight (shutdown); their outcomes say `interrupted`. */
    abortAll(): void {
      for (const request of inFlight) request.abort(new ShutdownError());
    },
    close(): Promise<void> {
      clearInterval(sweeper);
      return agent.close();
    },
  };
}
export type Sender = ReturnType<typeof createSender>;
