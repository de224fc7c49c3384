// A loopback proxy in front of PostgreSQL that counts, without changing a byte, what its clients
// cost the server in round trips: every ReadyForQuery the server sends ends one (a simple query,
// or an extended query's Parse/Bind/Execute…Sync, or a connection's start-up), and every Query or
// Execute the clients send is a statement. It also keeps the statements' texts (a Parse's, or a
// Query's) since the last take(), for the report to show what one request ran. Plain TCP only: the
// bench's connections to a loopback server ask for no TLS.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface WireTotals {
  /** ReadyForQuery messages from the server: one per round trip. */
  roundTrips: number;
  /** Query and Execute messages from the clients. */
  statements: number;
  /** Connections opened through the proxy. */
  connections: number;
}

export interface PgWireCounter {
  port: number;
  /** The database URL through the proxy. */
  url: string;
  totals(): WireTotals;
  /** The statements run since the last take(), in order (at most 10,000 kept). */
  take(): string[];
  close(): Promise<void>;
}

const MAX_KEPT = 10_000;

/** Splits a stream into messages: `typed` streams have a type byte before each length; the client's first (start-up) message has none. */
function messages(onMessage: (type: string, payload: Buffer) => void, untypedFirst: boolean): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let untyped = untypedFirst;
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      const head = untyped ? 4 : 5;
      if (pending.length < head) break;
      const length = pending.readUInt32BE(head - 4);
      const total = head - 4 + length;
      if (pending.length < total) break;
      onMessage(untyped ? '' : String.fromCharCode(pending[0]!), pending.subarray(head, total));
      pending = pending.subarray(total);
      untyped = false;
    }
  };
}

/** A Parse message's query text: after the statement name (a C string). */
const parseText = (payload: Buffer): string => {
  const nameEnd = payload.indexOf(0);
  return payload.toString('utf8', nameEnd + 1, payload.indexOf(0, nameEnd + 1));
};

export async function startPgWireCounter(databaseUrl: string): Promise<PgWireCounter> {
  const target = new URL(databaseUrl);
  const totals: WireTotals = { roundTrips: 0, statements: 0, connections: 0 };
  let kept: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    totals.connections++;
    const upstream = connect(Number(target.port || 5432), target.hostname.replace(/^\[|\]$/g, ''));
    let lastParsed = '';
    const keep = (text: string): void => {
      totals.statements++;
      if (kept.length < MAX_KEPT) kept.push(text.replace(/\s+/g, ' ').trim());
    };
    client.on('data', messages((type, payload) => {
      if (type === 'P') lastParsed = parseText(payload);
      else if (type === 'E') keep(lastParsed);
      else if (type === 'Q') keep(payload.toString('utf8', 0, payload.length - 1));
    }, true));
    upstream.on('data', messages((type) => {
      if (type === 'Z') totals.roundTrips++;
    }, false));
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    port,
    url: url.toString(),
    totals: () => ({ ...totals }),
    take: () => {
      const out = kept;
      kept = [];
      return out;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
