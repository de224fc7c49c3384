// Redis Streams destinations (issue 21): `redis://[user:password@]host[:port][/db]?stream=KEY[&maxlen=N]`,
// `rediss://` for TLS. Each message is one XADD to the stream, its entry laid out as:
//
//   body               the message body, the same bytes an HTTP receiver would get
//   <header name>      one field per header, names lower-case, in the message's order: content-type,
//   ...                the webhook's own rows, webhook-id, webhook-timestamp, webhook-signature
//                      (a header row named `body` is left out: it would read as a second body)
//
// so a consumer rebuilds the Standard Webhooks headers from the fields and verifies `body` with
// them, as an HTTP receiver would. With `maxlen`, `MAXLEN ~ N` trims the stream as it grows
// (approximately: Redis trims whole macro nodes, so a stream keeps at least N entries, a few more).
//
// One ioredis client per connection identity (scheme, credentials, the address connected to, port,
// database), created at its first publish. The SSRF guard resolves the host (options.resolve) and
// the client connects to that address, never to the name; for rediss the name goes as the TLS
// servername, so the certificate is checked against it. A client reconnects by itself (backoff
// capped at RECONNECT_CAP_MS), but nothing waits for it: with no offline queue and no retries per
// request, a publish while it is disconnected fails at once with the last connection error, and a
// publish's own timeout bounds the rest (the first connection, the XADD's answer).
import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BrokerDestination } from '../core/destinations.ts';
import { ABORTED_MESSAGE, classifySocketError, Deadline } from './deadline.ts';
import { IdlePool, withGrace, type Pooled } from './idle-pool.ts';
import { PublishError, type BrokerMessage, type PublishOptions, type Published, type Publisher } from './publisher.ts';

type RedisDestination = Extract<BrokerDestination, { kind: 'redis' }>;

const RECONNECT_CAP_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** A client unused this long is closed (idle-pool.ts). */
const IDLE_MS = 5 * 60_000;
const QUIT_GRACE_MS = 1_000;

export interface RedisPublisherOptions {
  log?: Logger;
}

export interface RedisPublisher extends Publisher {
  /** Pooled clients (for tests and metrics). */
  connections(): number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Entry extends Pooled {
  client: Redis;
  /** `rediss://10.0.0.5:6380/2 (cache.example.com)`: for messages and logs, no credentials. */
  label: string;
  /** The last connection error since the client was last ready: what a publish fails with meanwhile. */
  lastError: Error | undefined;
  /** Publishes waiting for the connection (the first one, or a reconnection under way). */
  waiters: Set<Waiter>;
}

export function createRedisPublisher(options: RedisPublisherOptions = {}): RedisPublisher {
  const log = options.log;
  const pool = new IdlePool<Entry>(IDLE_MS, (entry) => closeClient(entry.client));
  let closed = false;

  function entryFor(destination: RedisDestination, address: string): Entry {
    const key = JSON.stringify([
      destination.protocol, destination.username, destination.password, address, destination.port, destination.db,
      // The TLS servername is part of a TLS connection's identity: two names on one address may have two certificates.
      destination.tls ? destination.host : '',
    ]);
    const pooled = pool.get(key);
    if (pooled) return pooled;

    const host = address.includes(':') ? `[${address}]` : address;
    const label = `${destination.protocol}//${host}:${destination.port}/${destination.db}${address === destination.host ? '' : ` (${destination.host})`}`;
    const client = new Redis({
      host: address,
      port: destination.port,
      db: destination.db,
      ...(destination.username ? { username: destination.username } : {}),
      ...(destination.password ? { password: destination.password } : {}),
      ...(destination.tls ? { tls: isIP(destination.host) ? {} : { servername: destination.host } } : {}),
      connectionName: 'relais',
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // Fail fast while disconnected: no offline queue, and a command in flight when the connection
      // drops is failed (not resent after the reconnection: the attempt has been logged as failed).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (times) => Math.min(times * 250, RECONNECT_CAP_MS),
    });
    const entry: Entry = { client, label, lastError: undefined, waiters: new Set(), busy: 0, lastUsed: Date.now() };
    const settle = (err?: unknown): void => {
      for (const waiter of entry.waiters) err === undefined ? waiter.resolve() : waiter.reject(err);
      entry.waiters.clear();
    };
    client.on('ready', () => {
      if (entry.lastError) log?.info({ broker: label }, 'Redis connection restored');
      entry.lastError = undefined;
      settle();
    });
    // ioredis emits an 'error' per failed connection attempt: always listened to, logged once per outage.
    client.on('error', (err: Error) => {
      if (err.name === 'ReplyError' && client.status === 'connect') {
        // Redis refused the handshake: AUTH (WRONGPASS, NOAUTH), SELECT (no such database). Not
        // retried in the background (ioredis would go on, on database 0 after a failed SELECT):
        // the client is dropped, and the next publish tries afresh.
        log?.warn({ broker: label, err: err.message }, 'Redis refused the connection');
        pool.drop(key, entry);
        client.disconnect();
      } else if (!entry.lastError) {
        log?.warn({ broker: label, err: err.message }, 'Redis connection error; reconnecting');
      }
      entry.lastError = err;
      settle(err);
    });
    client.on('end', () => settle(new Error('Connection is closed.')));
    pool.add(key, entry);
    return entry;
  }

  /** Settles when the client is ready; at once when it is waiting to reconnect (with the last error). */
  function ready(entry: Entry): { promise: Promise<void>; cancel: () => void } {
    const { client } = entry;
    const none = { cancel: () => {} };
    switch (client.status) {
      case 'ready':
        return { promise: Promise.resolve(), ...none };
      case 'reconnecting':
      case 'close':
      case 'end':
        return {
          promise: Promise.reject(entry.lastError ?? Object.assign(new Error(`not connected to Redis at ${entry.label}`), { code: 'ECONNRESET' })),
          ...none,
        };
      default: {
        // wait, connecting, connect (the handshake: AUTH, SELECT, the ready check).
        let waiter!: Waiter;
        const promise = new Promise<void>((resolve, reject) => {
          waiter = { resolve, reject };
        });
        entry.waiters.add(waiter);
        if (client.status === 'wait') client.connect().catch(() => {}); // its error arrives as an 'error' event too
        return { promise, cancel: () => entry.waiters.delete(waiter) };
      }
    }
  }

  async function publish(destination: BrokerDestination, message: BrokerMessage, options: PublishOptions): Promise<Published> {
    if (destination.kind !== 'redis') throw new PublishError('internal', `not a Redis destination: ${destination.kind}`);
    if (closed) throw new PublishError('network', ABORTED_MESSAGE);
    let stage = `resolving ${destination.host}`;
    const deadline = new Deadline(options.timeoutMs, options.signal, () => stage);
    let entry: Entry | undefined;
    try {
      const address = await deadline.race(options.resolve(destination.host));
      if (closed) throw new PublishError('network', ABORTED_MESSAGE);
      entry = entryFor(destination, address);
      pool.take(entry);

      stage = `connecting to Redis at ${entry.label}`;
      const wait = ready(entry);
      try {
        await deadline.race(wait.promise);
      } finally {
        wait.cancel();
      }

      stage = `waiting for Redis at ${entry.label} to answer XADD ${destination.stream}`;
      const args: (string | number)[] = [destination.stream];
      if (destination.maxlen !== null) args.push('MAXLEN', '~', destination.maxlen);
      args.push('*', 'body', message.body);
      const headers = { ...message.headers };
      if (headers['content-type'] === undefined) headers['content-type'] = message.contentType;
      for (const [name, value] of Object.entries(headers)) {
        // A header row named `body` would be a second `body` field, and a consumer reading the entry
        // into a map would take it for the body: left out.
        if (name.toLowerCase() !== 'body') args.push(name.toLowerCase(), value);
      }
      const id = await deadline.race(entry.client.call('XADD', ...args));
      return { ack: `XADD ${destination.stream} ${String(id)}` };
    } catch (err) {
      throw publishError(err, entry?.label ?? destination.host);
    } finally {
      deadline.end();
      if (entry) pool.release(entry);
    }
  }

  async function close(): Promise<void> {
    closed = true;
    await pool.closeAll();
  }

  return { publish, close, connections: () => pool.size };
}

/** QUIT when connected (what is in flight is answered first), then stop reconnecting in any case. */
async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    await withGrace(client.quit(), QUIT_GRACE_MS);
  }
  client.disconnect();
}

function publishError(err: unknown, label: string): PublishError {
  if (err instanceof PublishError) return err;
  const e = err as { name?: string; message?: string } | undefined;
  // Redis answered with an error: WRONGPASS, NOAUTH, NOPERM (ACLs), WRONGTYPE (the key is not a
  // stream), OOM, READONLY (a replica)… Its own text says which.
  if (e?.name === 'ReplyError') return new PublishError('rejected', e.message ?? String(err));
  if (e?.name === 'MaxRetriesPerRequestError' || e?.message === 'Connection is closed.' || /^Stream isn't writeable/.test(e?.message ?? '')) {
    return new PublishError('connection_reset', `the connection to Redis at ${label} closed before XADD was answered`);
  }
  return new PublishError(...classifySocketError(err));
}

