// Sends one request and reports what happened, never throwing: a response (any status, body
// cut at 64 KiB) or a classified error. Connections are pooled and kept alive per origin;
// redirects are not followed (a 3xx is a failure, as Standard Webhooks advises).
import { Agent, request } from 'undici';
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
const SHUTDOWN = Symbol('shutdown');

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

  const inFlight = new Map<AbortController, number>(); // → deadline
  let sweeper: NodeJS.Timeout | undefined;
  const timeoutError = (): Error => Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { name: 'TimeoutError' });

  function sweep(): void {
    const now = performance.now();
    for (const [controller, deadline] of inFlight) if (deadline <= now) controller.abort(timeoutError());
    if (inFlight.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }

  return {
    async send(req: AttemptRequest): Promise<SendOutcome> {
      const started = performance.now();
      const controller = new AbortController();
      inFlight.set(controller, started + options.timeoutMs);
      sweeper ??= setInterval(sweep, SWEEP_MS);
      try {
        const res = await request(req.url, {
          dispatcher: agent,
          method: req.method,
          headers: req.headers,
          body: req.method === 'GET' ? undefined : req.body,
          signal: controller.signal,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
        // Read at most 64 KiB of the answer, then drop the rest without waiting for it.
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          const room = MAX_RESPONSE_BODY_BYTES - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            truncated = true;
            res.body.destroy();
            break;
          }
          chunks.push(chunk);
          size += chunk.length;
        }
        return {
          response: { status: res.statusCode, headers: flatHeaders(res.headers), body: Buffer.concat(chunks).toString('utf8'), bodyTruncated: truncated },
          error: null,
          durationMs: Math.round(performance.now() - started),
        };
      } catch (err) {
        const durationMs = Math.round(performance.now() - started);
        if (controller.signal.reason === SHUTDOWN) {
          return { response: null, error: { kind: 'network', message: 'aborted: Relais is shutting down' }, durationMs, interrupted: true };
        }
        return { response: null, error: classify(err), durationMs };
      } finally {
        inFlight.delete(controller);
      }
    },
    /** Aborts every request in flight (shutdown); their outcomes say `interrupted`. */
    abortAll(): void {
      for (const controller of inFlight.keys()) controller.abort(SHUTDOWN);
    },
    close(): Promise<void> {
      clearInterval(sweeper);
      return agent.close();
    },
  };
}
export type Sender = ReturnType<typeof createSender>;
