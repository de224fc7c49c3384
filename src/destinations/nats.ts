// NATS JetStream destinations (issue 21): `nats://user:pass@host:port?subject=orders.created`
// (`tls://` for TLS). One connection per connection identity (scheme, credentials, the address the
// SSRF guard resolved, port; and for tls:// the host name, which TLS verifies), made by the first
// publish; the library reconnects it by itself, a bounded number of times, after which it closes
// and the next publish makes another. Each message is a JetStream publish with the webhook-id as
// its Nats-Msg-Id, so JetStream drops a retry of a message it already stored (the PubAck says
// `duplicate`); an attempt succeeds on the stream's PubAck. A subject no stream captures is a
// `rejected` attempt, as is anything JetStream refuses (a full stream with discard new, …).
import { isIP } from 'node:net';
import { connect, headers, type NatsConnection, type TlsOptions } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { BrokerDestination } from '../core/destinations.ts';
import type { ErrorKind } from '../core/model.ts';
import { ABORTED_MESSAGE, Deadline } from './deadline.ts';
import { PublishError, type BrokerMessage, type Published, type PublishOptions, type Publisher } from './publisher.ts';

type NatsDestination = Extract<BrokerDestination, { kind: 'nats' }>;

/** Reconnects the library tries, this far apart, before it closes the connection for good. */
const MAX_RECONNECT_ATTEMPTS = 10;
const RECONNECT_WAIT_MS = 1_000;
/** How long close() lets a connection drain. */
const CLOSE_WAIT_MS = 5_000;

interface Conn {
  key: string;
  /** `address:port`, for messages and logs (never the password). */
  label: string;
  ready: Promise<{ nc: NatsConnection; js: JetStreamClient }>;
  closed: boolean;
  /** Between a disconnect and the library's reconnect: settles when it is back (or closed for good). */
  down?: { back: Promise<void>; settle: () => void };
  /** What closed it, when something did. */
  error?: Error;
}

export interface NatsPublisher extends Publisher {
  /** Open (or opening) pooled connections: for tests. */
  connections(): number;
  /** Connections opened since the publisher was made: for tests. */
  connectionsOpened(): number;
}

const NODE_KINDS: Record<string, ErrorKind> = {
  RELAIS_BLOCKED_TARGET: 'blocked',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NODATA: 'dns',
};

interface ErrorLike {
  name?: string;
  message?: string;
  code?: unknown;
  cause?: unknown;
}

/** Classifies what the library (or the resolver) threw, as sender.ts classifies HTTP's errors. */
function natsError(err: unknown, context: string, d: NatsDestination): PublishError {
  if (err instanceof PublishError) return err;
  const top = (err ?? {}) as ErrorLike;
  const text = (top.message ?? String(err)).trim();
  // The library's errors carry the socket's as their cause: the innermost code is the telling one.
  for (let e: ErrorLike | undefined = top, depth = 0; e && depth < 4; e = e.cause as ErrorLike | undefined, depth++) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code === 'RELAIS_BLOCKED_TARGET') return new PublishError('blocked', e.message ?? text);
    if (code && NODE_KINDS[code]) return new PublishError(NODE_KINDS[code], `${context}: ${e.message ?? code}`);
    if (code && /CERT|SSL|TLS/.test(code)) return new PublishError('tls', `${context}: ${e.message ?? code}`);
    if (e.name === 'RequestError' && /no responders/i.test(e.message ?? '')) {
      return new PublishError('rejected', `no JetStream stream captures subject "${d.subject}" (NATS answered 503 no responders)`);
    }
  }
  switch (top.name) {
    case 'JetStreamNotEnabled':
      return new PublishError('rejected', `no JetStream stream captures subject "${d.subject}" (or JetStream is not enabled): ${text}`);
    case 'JetStreamApiError':
    case 'StreamNotFoundError':
    case 'JetStreamError':
      return new PublishError('rejected', `JetStream refused the message on subject "${d.subject}": ${text}${typeof top.code === 'number' ? ` (code ${top.code})` : ''}`);
    case 'AuthorizationError':
    case 'UserAuthenticationExpiredError':
      return new PublishError('rejected', `${context}: NATS refused the login: ${text}`);
    case 'PermissionViolationError':
      return new PublishError('rejected', `${context}: ${text}`);
    case 'TimeoutError':
      return new PublishError('timeout', `${context}: timed out`);
    case 'ClosedConnectionError':
    case 'DrainingConnectionError':
      return new PublishError('connection_reset', `${context}: the connection to NATS closed (${text})`);
  }
  if (/\btls\b/i.test(text)) return new PublishError('tls', `${context}: ${text}`);
  if (top.name === 'ConnectionError') return new PublishError(/timeout/i.test(text) ? 'timeout' : 'network', `${context}: ${text}`);
  return new PublishError('network', `${context}: ${text}`);
}

export function createNatsPublisher(options: { log?: Logger | undefined } = {}): NatsPublisher {
  const log = options.log;
  const pool = new Map<string, Conn>();
  let opened = 0;
  let shutDown = false;

  function connection(d: NatsDestination, address: string, connectTimeoutMs: number): Conn {
    const tlsName = d.tls && !isIP(d.host) ? d.host : undefined;
    const key = JSON.stringify([d.protocol, d.username, d.password, address, d.port, tlsName ?? null]);
    const pooled = pool.get(key);
    if (pooled && !pooled.closed) return pooled;
    const label = `${address.includes(':') ? `[${address}]` : address}:${d.port}`;
    const conn: Conn = { key, label, closed: false, ready: undefined as unknown as Conn['ready'] };
    const drop = (): void => {
      conn.closed = true;
      conn.down?.settle();
      if (pool.get(key) === conn) pool.delete(key);
    };
    conn.ready = (async () => {
      opened++;
      // `nats://token@host`: a user without a password is a token, as NATS URLs mean it.
      const auth = d.password !== '' ? { user: d.username, pass: d.password } : d.username !== '' ? { token: d.username } : {};
      let nc: NatsConnection;
      try {
        nc = await connect({
          servers: [label], // the address, never the name: the SSRF guard resolved it
          resolve: false,
          ignoreClusterUpdates: true, // nor the addresses the server gossips
          ...auth,
          // tls://: TLS verified against the URL's host name; nats://: never TLS, even where the server offers it.
          tls: d.tls ? ({ ...(tlsName ? { servername: tlsName } : {}) } as TlsOptions) : null,
          timeout: connectTimeoutMs,
          name: 'relais',
          noEcho: true,
          reconnect: true,
          maxReconnectAttempts: MAX_RECONNECT_ATTEMPTS,
          reconnectTimeWait: RECONNECT_WAIT_MS,
        });
      } catch (err) {
        throw natsError(err, `connecting to NATS at ${label}`, d);
      }
      void nc.closed().then((err) => {
        if (err) conn.error = err;
        drop();
        if (!shutDown) log?.warn({ broker: 'nats', target: label, err: err?.message }, 'NATS connection closed; the next publish opens another');
      });
      void (async () => {
        for await (const status of nc.status()) {
          if (status.type === 'disconnect' && !conn.down) {
            let settle!: () => void;
            const back = new Promise<void>((resolve) => { settle = resolve; });
            conn.down = { back, settle };
            log?.warn({ broker: 'nats', target: label }, 'NATS connection lost; reconnecting');
          } else if (status.type === 'reconnect') {
            conn.down?.settle();
            conn.down = undefined;
            log?.info({ broker: 'nats', target: label }, 'NATS connection back');
          }
        }
      })().catch(() => undefined);
      if (shutDown) {
        await nc.close().catch(() => undefined);
        throw new PublishError('network', ABORTED_MESSAGE);
      }
      return { nc, js: jetstream(nc) };
    })();
    conn.ready.catch(drop);
    pool.set(key, conn);
    return conn;
  }

  function natsHeaders(message: BrokerMessage) {
    const h = headers();
    for (const [name, value] of Object.entries(message.headers)) h.set(name, value);
    if (!('content-type' in message.headers)) h.set('content-type', message.contentType);
    return h;
  }

  return {
    async publish(destination: BrokerDestination, message: BrokerMessage, { timeoutMs, resolve, signal }: PublishOptions): Promise<Published> {
      if (destination.kind !== 'nats') throw new PublishError('network', `not a NATS destination: ${destination.kind}`);
      const d = destination;
      if (shutDown || signal?.aborted) throw new PublishError('network', ABORTED_MESSAGE);
      const started = performance.now();
      const remaining = (): number => Math.max(1, Math.round(timeoutMs - (performance.now() - started)));
      let phase = `resolving ${d.host}`;
      let conn: Conn | undefined;
      const deadline = new Deadline(timeoutMs, signal, () => `${phase}${conn?.down && !phase.startsWith('waiting for the connection') ? ' (the connection to NATS was lost; the library is reconnecting)' : ''}`);
      const run = async (): Promise<Published> => {
        let address: string;
        try {
          address = await resolve(d.host);
        } catch (err) {
          throw natsError(err, `resolving ${d.host}`, d);
        }
        conn = connection(d, address, remaining());
        phase = `connecting to NATS at ${conn.label}`;
        const { js } = await conn.ready;
        // nats.js drops what was buffered while disconnected when it redials (ProtocolHandler.prepare
        // resets its outbound buffer): a publish made then would be lost and time out. Wait for the
        // library's reconnect instead (bounded by the deadline).
        if (conn.down) {
          phase = `waiting for the connection to NATS at ${conn.label} to come back`;
          await conn.down.back;
        }
        phase = `waiting for JetStream's PubAck on subject "${d.subject}" from NATS at ${conn.label}`;
        try {
          const ack = await js.publish(d.subject, message.body, { msgID: message.id, headers: natsHeaders(message), timeout: remaining() });
          return { ack: `stream ${ack.stream} seq ${ack.seq}${ack.duplicate ? ' (duplicate: true — JetStream already stored this webhook-id)' : ''}` };
        } catch (err) {
          throw natsError(err, phase, d);
        }
      };
      const running = run();
      running.catch(() => undefined); // settled by the race below; a late failure is nobody's
      try {
        return await deadline.race(running);
      } finally {
        deadline.end();
      }
    },

    async close(): Promise<void> {
      shutDown = true;
      const conns = [...pool.values()];
      pool.clear();
      await Promise.allSettled(
        conns.map(async (conn) => {
          const ready = await conn.ready.catch(() => undefined);
          if (!ready || ready.nc.isClosed()) return;
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<'late'>((resolve) => {
            timer = setTimeout(() => resolve('late'), CLOSE_WAIT_MS);
            timer.unref();
          });
          try {
            // A publisher has no subscriptions but the request inbox: draining flushes what is buffered.
            const outcome = await Promise.race([ready.nc.drain().catch(() => undefined), late]);
            if (outcome === 'late' || !ready.nc.isClosed()) await ready.nc.close().catch(() => undefined);
          } finally {
            clearTimeout(timer);
          }
        }),
      );
    },

    connections: () => pool.size,
    connectionsOpened: () => opened,
  };
}
