// The local HTTP receiver of `relais listen`: on 127.0.0.1, it checks each request's signature
// with the temporary webhook's secret, reports it, and, with a forward URL, passes it on to the
// local app (same method, headers and body) and answers Relais with the app's answer — so Relais
// retries when the app fails, as it would in production. Without one it answers 200 to a
// verified request and 401 to any other.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookVerificationError, verifyWebhookSignature } from 'relais-sdk/verify';

export interface Arrival {
  /** The webhook-id header: the delivery's id, kept by its retries, resends and recoveries. */
  messageId: string | undefined;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
  reason: string | undefined;
  /** The app's status, or its failure ("connection refused"), when forwarding. */
  forwarded: { status: number } | { error: string } | undefined;
}

export interface ReceiverOptions {
  port: number;
  secret: () => string | undefined;
  forwardTo: string | undefined;
  onArrival: (arrival: Arrival) => void;
}

/** Hop-by-hop and framing headers: fetch sets its own. */
const NOT_FORWARDED = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'expect', 'upgrade', 'proxy-connection']);

function forwardHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return out;
}

async function forward(target: string, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<{ response?: Response; error?: string }> {
  try {
    const response = await fetch(target, { method, headers: forwardHeaders(headers), body: method === 'GET' || method === 'HEAD' ? null : new Uint8Array(body), redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    return { response };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? (err as Error).message };
  }
}

export async function startListenReceiver(options: ReceiverOptions): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        let verified = false;
        let reason: string | undefined;
        const secret = options.secret();
        try {
          if (secret === undefined) throw new WebhookVerificationError('invalid_secret', 'the webhook is not registered yet');
          verifyWebhookSignature({ secret, headers: req.headers, body });
          verified = true;
        } catch (err) {
          reason = err instanceof WebhookVerificationError ? `${err.reason}: ${err.message}` : (err as Error).message;
        }
        const arrival: Arrival = {
          messageId: typeof req.headers['webhook-id'] === 'string' ? req.headers['webhook-id'] : undefined,
          method: req.method ?? 'POST', path: req.url ?? '/', headers: req.headers, body: body.toString('utf8'), verified, reason, forwarded: undefined,
        };
        if (options.forwardTo === undefined) {
          options.onArrival(arrival);
          res.writeHead(verified ? 200 : 401, { 'content-type': 'text/plain' }).end(verified ? 'ok' : reason);
          return;
        }
        const { response, error } = await forward(options.forwardTo, arrival.method, arrival.path, req.headers, body);
        arrival.forwarded = response ? { status: response.status } : { error: error! };
        options.onArrival(arrival);
        if (!response) {
          res.writeHead(502, { 'content-type': 'text/plain' }).end(`relais listen: ${options.forwardTo}: ${error}`);
          return;
        }
        const answer = Buffer.from(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
        res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'text/plain' }).end(answer);
      })().catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
