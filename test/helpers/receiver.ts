// A real HTTP receiver on loopback that records every request and answers as told.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Answers once this settles (after delayMs, if both). */
  until?: Promise<unknown>;
  /** Called once the answer is written. */
  sent?: () => void;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Decides each answer; the default answers 200. */
  respond: (req: Received, index: number) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(respond: Receiver['respond'] = () => ({ status: 200, body: 'ok' })): Promise<Receiver> {
  const received: Received[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const receiver: Receiver = { url: '', received, respond, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      const index = received.push(entry) - 1;
      const answer = receiver.respond(entry, index);
      const send = (): void => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
        answer.sent?.();
      };
      const sendAfterDelay = (): void => {
        if (!answer.delayMs) return send();
        const timer = setTimeout(() => { timers.delete(timer); send(); }, answer.delayMs);
        timers.add(timer);
      };
      const answerLater = (): void => { if (!res.destroyed) sendAfterDelay(); };
      if (answer.until) answer.until.then(answerLater, answerLater); // settled either way: answer
      else sendAfterDelay();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise((resolve) => {
    for (const timer of timers) clearTimeout(timer);
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return receiver;
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
