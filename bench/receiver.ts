// The benchmark's loopback receiver, run as its own process (forked by receiver-client.ts) so
// that it competes for the CPU as a real subscriber would, not inside Relais' event loop.
// It answers 204 at once and, for each request, keeps the arrival time and the bench sequence
// number `n` read from the body (`…"data":{"n":123,…`); requests are counted once per
// `webhook-id` (a retried delivery is a duplicate, not a second delivery). Commands arrive over
// IPC: reset (start a phase), count (progress), take (this phase's records), close.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverCommand =
  | { id: number; op: 'reset' }
  | { id: number; op: 'count' }
  | { id: number; op: 'take' }
  | { id: number; op: 'close' };

export interface ReceiverCount { unique: number; duplicates: number; unparsed: number }
export interface ReceiverRecords extends ReceiverCount {
  /** Per first arrival of a delivery: its event's sequence number and its arrival time (epoch ms, fractional). */
  n: Float64Array;
  at: Float64Array;
  /** Size of the first body received in this phase. */
  bodyBytes: number;
}
export type ReceiverMessage = { ready: true; port: number } | { id: number; value: unknown };

const MARK = '"data":{"n":';
const now = (): number => performance.timeOrigin + performance.now();

let seen = new Set<string>();
let ns: number[] = [];
let ats: number[] = [];
let unique = 0;
let duplicates = 0;
let unparsed = 0;
let bodyBytes = 0;

function record(req: IncomingMessage, arrivedAt: number, body: string): void {
  const id = req.headers['webhook-id'];
  if (typeof id === 'string') {
    if (seen.has(id)) {
      duplicates++;
      return;
    }
    seen.add(id);
  }
  unique++;
  const at = body.indexOf(MARK);
  if (at < 0) {
    unparsed++;
    return;
  }
  if (bodyBytes === 0) bodyBytes = Buffer.byteLength(body);
  ns.push(Number.parseInt(body.slice(at + MARK.length, at + MARK.length + 16), 10));
  ats.push(arrivedAt);
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const arrivedAt = now();
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => { body += chunk; });
  req.on('end', () => {
    res.writeHead(204).end();
    record(req, arrivedAt, body);
  });
});
server.keepAliveTimeout = 60_000;

function answer(cmd: ReceiverCommand): unknown {
  switch (cmd.op) {
    case 'reset':
      seen = new Set();
      ns = [];
      ats = [];
      unique = duplicates = unparsed = bodyBytes = 0;
      return null;
    case 'count':
      return { unique, duplicates, unparsed } satisfies ReceiverCount;
    case 'take':
      return { unique, duplicates, unparsed, bodyBytes, n: Float64Array.from(ns), at: Float64Array.from(ats) } satisfies ReceiverRecords;
    case 'close':
      server.closeAllConnections();
      server.close();
      setImmediate(() => process.disconnect());
      return null;
  }
}

// The harness gone (even killed), the receiver goes too.
process.on('disconnect', () => process.exit(0));
process.on('message', (cmd: ReceiverCommand) => process.send!({ id: cmd.id, value: answer(cmd) } satisfies ReceiverMessage));
server.listen(0, '127.0.0.1', () => process.send!({ ready: true, port: (server.address() as AddressInfo).port } satisfies ReceiverMessage));
