// What the broker publishers share: the shutdown's message, how Node's socket and lookup errors
// read as attempt error kinds (as the HTTP sender reads them, dispatcher/sender.ts), and a
// publish's deadline raced against its work.
import type { ErrorKind } from '../core/model.ts';
import { PublishError } from './publisher.ts';

export const ABORTED_MESSAGE = 'aborted: Relais is shutting down';

const KINDS_BY_CODE: Record<string, ErrorKind> = {
  RELAIS_BLOCKED_TARGET: 'blocked',
  ETIMEDOUT: 'timeout',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NODATA: 'dns',
};

/** A socket or lookup error's kind and message; `network` for what has no telling code. */
export function classifySocketError(err: unknown): [ErrorKind, string] {
  const e = err as { code?: unknown; message?: string } | undefined;
  const message = e?.message ?? String(err);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && KINDS_BY_CODE[code]) return [KINDS_BY_CODE[code], message];
  if (code && /CERT|SSL|TLS/.test(code)) return ['tls', message];
  return ['network', message];
}

/**
 * A publish's whole time, and the shutdown signal: race() rejects with a timeout naming the stage
 * it was at, or with the shutdown's abort, whichever comes first.
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private onAbort: (() => void) | undefined;
  private readonly stop: Promise<never>;

  constructor(timeoutMs: number, private readonly signal: AbortSignal | undefined, stage: () => string) {
    this.stop = new Promise<never>((_, reject) => {
      if (signal?.aborted) return reject(new PublishError('network', ABORTED_MESSAGE));
      this.timer = setTimeout(() => reject(new PublishError('timeout', `timed out after ${timeoutMs} ms ${stage()}`)), timeoutMs);
      if (signal) {
        this.onAbort = () => reject(new PublishError('network', ABORTED_MESSAGE));
        signal.addEventListener('abort', this.onAbort, { once: true });
      }
    });
    this.stop.catch(() => {});
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.stop]);
  }

  end(): void {
    clearTimeout(this.timer);
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
  }
}
