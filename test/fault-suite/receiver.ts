// The webhooks' receiver, on loopback: answers 500 to ~10% of requests, drops ~2% without an
// answer (socket destroyed), 200 to the rest, and records every request. A delivery counts as
// done only once this receiver answered it 2xx.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAIL_500_RATE = 0.10;
export const DROP_RATE = 0.02;

export type Answered = 200 | 500 | 'dropped';

export interface Hit {
  at: number;
  /** Which webhook: the last segment of the path (each webhook has its own). */
  hook: string;
  /** The event's key (its data.key, which is also its idempotency id). */
  key: string;
  webhookId: string;
  answered: Answered;
}

export interface FlakyReceiver {
  url: string;
  hits: Hit[];
  /** Set to false for a receiver that always answers 200. */
  flaky: boolean;
  close(): Promise<void>;
}

function keyOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { data?: { key?: unknown } };
    return typeof parsed.data?.key === 'string' ? parsed.data.key : '?';
  } catch {
    return '?';
  }
}

export async function startFlakyReceiver(): Promise<FlakyReceiver> {
  const hits: Hit[] = [];
  const receiver: FlakyReceiver = { url: '', hits, flaky: true, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const roll = receiver.flaky ? Math.random() : 1;
      const answered: Answered = roll < DROP_RATE ? 'dropped' : roll < DROP_RATE + FAIL_500_RATE ? 500 : 200;
      hits.push({
        at: Date.now(),
        hook: (req.url ?? '').split('/').filter(Boolean).at(-1) ?? '',
        key: keyOf(Buffer.concat(chunks).toString('utf8')),
        webhookId: String(req.headers['webhook-id'] ?? ''),
        answered,
      });
      if (answered === 'dropped') req.socket.destroy();
      else res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'flaky');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return receiver;
}
