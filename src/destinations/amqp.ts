// RabbitMQ destinations (issue 21): `amqp://user:pass@host:port/vhost?exchange=x&routing_key=y`.
// One connection per connection identity (scheme, credentials, the address the SSRF guard
// resolved, port, vhost; and for amqps the host name, which TLS verifies), made by the first
// publish and made again by the first publish after it closes; on it, one confirm channel per
// exchange, so that a publish to a missing exchange (which makes RabbitMQ close the channel) fails
// only the publishes to that exchange. Each message is published persistent and mandatory, and an
// attempt succeeds when RabbitMQ confirms it (basic.ack); a nack, a return (no queue bound for the
// routing key) or a refused login is a `rejected` attempt.
import { isIP } from 'node:net';
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import type { Logger } from 'pino';
import type { BrokerDestination } from '../core/destinations.ts';
import type { ErrorKind } from '../core/model.ts';
import { ABORTED_MESSAGE, Deadline } from './deadline.ts';
import { PublishError, type BrokerMessage, type Published, type PublishOptions, type Publisher } from './publisher.ts';

type AmqpDestination = Extract<BrokerDestination, { kind: 'amqp' }>;

/** How long close() waits for RabbitMQ's close-ok before dropping the socket. */
const CLOSE_WAIT_MS = 5_000;

/** A channel, per exchange per connection. */
interface Chan {
  ch: ConfirmChannel;
  closed: boolean;
  /** Why RabbitMQ closed it (404 NOT_FOUND for a missing exchange, …), when it did. */
  error?: Error & { code?: number };
  /** Publishes awaiting their confirm, in publish order: where a basic.return finds its message. */
  unconfirmed: Pending[];
}

interface Pending {
  messageId: string;
  routingKey: string;
  returned?: { code: number; text: string };
}

interface Conn {
  key: string;
  /** `address:port vhost "/"`, for messages and logs (never the password). */
  label: string;
  ready: Promise<ChannelModel>;
  closed: boolean;
  /** What ended it (a socket error, a heartbeat timeout, RabbitMQ closing it), when something did. */
  error?: Error;
  /** RabbitMQ's reason while it blocks publishers (a resource alarm). */
  blocked?: string;
  channels: Map<string, Promise<Chan>>;
}

export interface AmqpPublisher extends Publisher {
  /** Open (or opening) pooled connections: for tests. */
  connections(): number;
  /** Connections opened since the publisher was made: for tests. */
  connectionsOpened(): number;
}

/** The text inside amqplib's `… with message "…"`, else the whole message. */
function brokerText(err: Error): string {
  const m = /with message "(.*)"$/s.exec(err.message);
  return m ? m[1]! : err.message;
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
  EHOSTUNREACH: 'network',
  ENETUNREACH: 'network',
};

/** A socket-level or resolver error, classified as sender.ts classifies HTTP's. */
function nodeError(err: unknown, context: string): PublishError {
  if (err instanceof PublishError) return err;
  const e = err as { code?: unknown; message?: string } | undefined;
  const message = `${context}: ${(e?.message ?? String(err)).trim()}`;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && NODE_KINDS[code]) return new PublishError(NODE_KINDS[code], code === 'RELAIS_BLOCKED_TARGET' ? e!.message! : message);
  if (code && /CERT|SSL|TLS/.test(code)) return new PublishError('tls', message);
  if (e?.message === 'connect ETIMEDOUT') return new PublishError('timeout', message); // amqplib's own, without a code
  return new PublishError('network', message);
}

/** Why opening a connection failed: the login refused, the vhost refused, or the network. */
function openError(err: unknown, d: AmqpDestination, label: string): PublishError {
  const e = err as Error;
  const message = e?.message ?? String(err);
  if (/^Handshake terminated by server/.test(message)) {
    const text = brokerText(e);
    const what = /ACCESS[-_]REFUSED|\b403\b/.test(message) ? `RabbitMQ at ${label} refused the login of user "${d.username || 'guest'}"` : `RabbitMQ at ${label} refused the connection`;
    return new PublishError('rejected', `${what}: ${text}`);
  }
  // A vhost that does not exist, or the user may not use: amqplib reports only the frame's name.
  if (/got <ConnectionClose/.test(message)) return new PublishError('rejected', `RabbitMQ at ${label} refused to open the virtual host for user "${d.username || 'guest'}" (does it exist, and may the user use it?)`);
  if (/Socket closed abruptly during opening handshake/.test(message)) return new PublishError('connection_reset', `RabbitMQ at ${label} closed the connection during the handshake (is it AMQP 0-9-1, and TLS as the scheme says?)`);
  return nodeError(err, `connecting to RabbitMQ at ${label}`);
}

export function createAmqpPublisher(options: { log?: Logger | undefined } = {}): AmqpPublisher {
  const log = options.log;
  const pool = new Map<string, Conn>();
  let opened = 0;
  let shutDown = false;

  function connection(d: AmqpDestination, address: string, connectTimeoutMs: number): Conn {
    const tlsName = d.tls && !isIP(d.host) ? d.host : undefined;
    const key = JSON.stringify([d.protocol, d.username, d.password, address, d.port, d.vhost, tlsName ?? null]);
    const pooled = pool.get(key);
    if (pooled && !pooled.closed) return pooled;
    const label = `${address.includes(':') ? `[${address}]` : address}:${d.port} vhost "${d.vhost}"`;
    const conn: Conn = { key, label, closed: false, channels: new Map(), ready: undefined as unknown as Promise<ChannelModel> };
    const drop = (): void => {
      conn.closed = true;
      if (pool.get(key) === conn) pool.delete(key);
    };
    conn.ready = (async () => {
      opened++;
      const noCredentials = d.username === '' && d.password === '';
      let model: ChannelModel;
      try {
        model = await amqp.connect(
          {
            protocol: d.tls ? 'amqps' : 'amqp',
            hostname: address, // never the name: the SSRF guard resolved it
            port: d.port,
            // amqplib's own default (guest:guest) when the URL names no user, as `amqp://host` means to any client.
            ...(noCredentials ? {} : { username: d.username, password: d.password }),
            vhost: encodeURIComponent(d.vhost), // amqplib unescapes it
          },
          { timeout: connectTimeoutMs, noDelay: true, ...(tlsName ? { servername: tlsName } : {}), clientProperties: { connection_name: 'relais' } },
        );
      } catch (err) {
        throw openError(err, d, label);
      }
      model.on('error', (err: Error) => {
        conn.error = err;
      });
      model.on('close', (err?: Error) => {
        if (err) conn.error ??= err;
        drop();
        if (!shutDown) log?.warn({ broker: 'amqp', target: label, err: conn.error?.message }, 'RabbitMQ connection closed; the next publish opens another');
      });
      model.on('blocked', (reason: string) => {
        conn.blocked = reason;
        log?.warn({ broker: 'amqp', target: label, reason }, 'RabbitMQ is blocking publishers');
      });
      model.on('unblocked', () => {
        conn.blocked = undefined;
      });
      if (shutDown) {
        await closeModel(model);
        throw new PublishError('network', ABORTED_MESSAGE);
      }
      return model;
    })();
    conn.ready.catch(drop);
    pool.set(key, conn);
    return conn;
  }

  function channel(conn: Conn, model: ChannelModel, exchange: string): Promise<Chan> {
    const existing = conn.channels.get(exchange);
    if (existing) return existing;
    const made = (async () => {
      let ch: ConfirmChannel;
      try {
        ch = await model.createConfirmChannel();
      } catch (err) {
        throw new PublishError('connection_reset', `opening a channel on RabbitMQ at ${conn.label}: ${(err as Error).message}`);
      }
      const chan: Chan = { ch, closed: false, unconfirmed: [] };
      ch.on('error', (err: Error & { code?: number }) => {
        chan.error = err;
      });
      ch.on('close', () => {
        chan.closed = true;
        if (conn.channels.get(exchange) === made) conn.channels.delete(exchange);
      });
      ch.on('return', (msg: Message) => {
        const pending = chan.unconfirmed.find((p) => !p.returned && p.messageId === msg.properties.messageId && p.routingKey === msg.fields.routingKey);
        if (pending) pending.returned = { code: (msg.fields as { replyCode?: number }).replyCode ?? 312, text: (msg.fields as { replyText?: string }).replyText ?? 'NO_ROUTE' };
      });
      return chan;
    })();
    conn.channels.set(exchange, made);
    made.catch(() => {
      if (conn.channels.get(exchange) === made) conn.channels.delete(exchange);
    });
    return made;
  }

  const where = (d: AmqpDestination): string => (d.exchange === '' ? `the default exchange, routing key "${d.routingKey}"` : `exchange "${d.exchange}", routing key "${d.routingKey}"`);

  /** Why a confirm did not come: RabbitMQ closed the channel (its reason), or the connection went. */
  function confirmError(err: Error, chan: Chan, conn: Conn, d: AmqpDestination): PublishError {
    if (err.message === 'message nacked') return new PublishError('rejected', `RabbitMQ refused the message (basic.nack) on ${where(d)}`);
    const closedBy = chan.error;
    if (closedBy) {
      const code = typeof closedBy.code === 'number' ? closedBy.code : 0;
      // 403 ACCESS_REFUSED (no write permission), 404 NOT_FOUND (no such exchange), 406 PRECONDITION_FAILED (too large, …)
      if (code >= 400 && code < 500) return new PublishError('rejected', `RabbitMQ closed the channel: ${brokerText(closedBy)}`);
      return new PublishError('connection_reset', `RabbitMQ closed the channel before confirming: ${brokerText(closedBy)}`);
    }
    const cause = conn.error ? `: ${conn.error.message}` : '';
    return new PublishError('connection_reset', `the connection to RabbitMQ at ${conn.label} closed before it confirmed the message${cause}`);
  }

  function confirm(chan: Chan, conn: Conn, d: AmqpDestination, message: BrokerMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // Closed since it was handed out (a concurrent publish to the same missing exchange): its reason is this publish's too.
      if (chan.closed) return reject(confirmError(new Error('channel closed'), chan, conn, d));
      const pending: Pending = { messageId: message.id, routingKey: d.routingKey };
      const forget = (): void => {
        const at = chan.unconfirmed.indexOf(pending);
        if (at >= 0) chan.unconfirmed.splice(at, 1);
      };
      const timestamp = Number(message.headers['webhook-timestamp']);
      chan.unconfirmed.push(pending);
      try {
        chan.ch.publish(
          d.exchange,
          d.routingKey,
          Buffer.from(message.body),
          {
            persistent: true,
            mandatory: true,
            contentType: message.contentType,
            messageId: message.id,
            timestamp: Number.isSafeInteger(timestamp) ? timestamp : Math.floor(Date.now() / 1000),
            headers: message.headers,
          },
          (err: unknown) => {
            forget();
            if (err == null) {
              if (!pending.returned) return resolve();
              return reject(new PublishError('rejected', `no queue is bound for routing key "${d.routingKey}" on ${d.exchange === '' ? 'the default exchange' : `exchange "${d.exchange}"`}: RabbitMQ returned the message (${pending.returned.code} ${pending.returned.text})`));
            }
            // The connection's close (and its reason) follows its channels' by a tick.
            setImmediate(() => reject(confirmError(err as Error, chan, conn, d)));
          },
        );
      } catch (err) {
        forget();
        const e = err as Error;
        if (e.name === 'IllegalOperationError') reject(new PublishError('connection_reset', `the channel to RabbitMQ at ${conn.label} closed: ${e.message}`));
        else reject(new PublishError('network', `publishing to RabbitMQ: ${e.message}`));
      }
    });
  }

  async function closeModel(model: ChannelModel): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), CLOSE_WAIT_MS);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([model.close().catch(() => undefined), gaveUp]);
      // No close-ok in time: drop the socket (amqplib has no public way to).
      if (outcome === 'late') (model.connection as unknown as { stream?: { destroy?: () => void } }).stream?.destroy?.();
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async publish(destination: BrokerDestination, message: BrokerMessage, { timeoutMs, resolve, signal }: PublishOptions): Promise<Published> {
      if (destination.kind !== 'amqp') throw new PublishError('network', `not an AMQP destination: ${destination.kind}`);
      const d = destination;
      if (shutDown || signal?.aborted) throw new PublishError('network', ABORTED_MESSAGE);
      let phase = `resolving ${d.host}`;
      let conn: Conn | undefined;
      const started = performance.now();
      const deadline = new Deadline(timeoutMs, signal, () => `${phase}${conn?.blocked ? ` (RabbitMQ is blocking publishers: ${conn.blocked})` : ''}`);
      const run = async (): Promise<Published> => {
        let address: string;
        try {
          address = await resolve(d.host);
        } catch (err) {
          throw nodeError(err, `resolving ${d.host}`);
        }
        const remaining = Math.max(1, timeoutMs - (performance.now() - started));
        conn = connection(d, address, remaining);
        phase = `connecting to RabbitMQ at ${conn.label}`;
        const model = await conn.ready;
        phase = `opening a channel on RabbitMQ at ${conn.label}`;
        const chan = await channel(conn, model, d.exchange);
        phase = `waiting for RabbitMQ at ${conn.label} to confirm the message (${where(d)})`;
        await confirm(chan, conn, d, message);
        return { ack: `confirmed by RabbitMQ (exchange "${d.exchange}", routing key "${d.routingKey}")` };
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
          const model = await conn.ready.catch(() => undefined);
          if (!model || conn.closed) return;
          await Promise.allSettled(
            [...conn.channels.values()].map(async (made) => {
              const chan = await made;
              if (!chan.closed) await chan.ch.close();
            }),
          );
          if (!conn.closed) await closeModel(model);
        }),
      );
    },

    connections: () => pool.size,
    connectionsOpened: () => opened,
  };
}
