// MQTT 5 destinations (issue 21): `mqtt://[user:password@]host[:port]?topic=T[&qos=0|1|2]`,
// `mqtts://` for TLS. Each message is one PUBLISH to the topic, retain off, at the destination's
// QoS (default 1: the broker's PUBACK confirms it). The payload is the body, the same bytes an HTTP
// receiver would get; its metadata rides in MQTT 5 properties:
//
//   Content Type       the body's content-type
//   User Properties    one per header, names lower-case: the webhook's own rows, webhook-id,
//                      webhook-timestamp, webhook-signature
//
// so a subscriber rebuilds the Standard Webhooks headers from the user properties and verifies the
// payload with them, as an HTTP receiver would.
//
// One mqtt.js client per connection identity (scheme, credentials, the address connected to, port),
// connected at its first publish. The SSRF guard resolves the host (options.resolve) and the client
// connects to that address, never to the name; for mqtts the name goes as the TLS servername. A
// client reconnects by itself (every RECONNECT_PERIOD_MS), but nothing is queued for it: a publish
// while it is disconnected fails at once with the last connection error, and a publish's own
// timeout bounds the rest (the first connection, the acknowledgement).
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, ErrorWithReasonCode, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { BrokerDestination } from '../core/destinations.ts';
import type { ErrorKind } from '../core/model.ts';
import { ABORTED_MESSAGE, classifySocketError, Deadline } from './deadline.ts';
import { IdlePool, withGrace, type Pooled } from './idle-pool.ts';
import { PublishError, type BrokerMessage, type PublishOptions, type Published, type Publisher } from './publisher.ts';

type MqttDestination = Extract<BrokerDestination, { kind: 'mqtt' }>;

const RECONNECT_PERIOD_MS = 2_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** A client unused this long is closed (idle-pool.ts). */
const IDLE_MS = 5 * 60_000;
const END_GRACE_MS = 1_000;

export interface MqttPublisherOptions {
  log?: Logger;
}

export interface MqttPublisher extends Publisher {
  /** Pooled clients (for tests and metrics). */
  connections(): number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Entry extends Pooled {
  client: MqttClient;
  /** `mqtts://10.0.0.5:8883 (broker.example.com)`: for messages and logs, no credentials. */
  label: string;
  /** Why the client is not connected, since it last was: what a publish fails with meanwhile. */
  lastError: Error | undefined;
  /** Publishes waiting for the first connection. */
  waiters: Set<Waiter>;
}

/** The broker refused the connection (CONNACK) or a message (PUBACK, PUBREC): its reason code and text. */
function refusal(err: ErrorWithReasonCode, what: string): PublishError {
  const reason = err.message.replace(/^(Publish error|Connection refused): /, '');
  return new PublishError('rejected', `${what}: ${reason} (reason code 0x${err.code.toString(16)})`);
}

export function createMqttPublisher(options: MqttPublisherOptions = {}): MqttPublisher {
  const log = options.log;
  const pool = new IdlePool<Entry>(IDLE_MS, (entry) => endClient(entry.client));
  let closed = false;

  function entryFor(destination: MqttDestination, address: string): Entry {
    const key = JSON.stringify([
      destination.protocol, destination.username, destination.password, address, destination.port,
      // The TLS servername is part of a TLS connection's identity: two names on one address may have two certificates.
      destination.tls ? destination.host : '',
    ]);
    const pooled = pool.get(key);
    if (pooled) return pooled;

    const host = address.includes(':') ? `[${address}]` : address;
    const label = `${destination.protocol}//${host}:${destination.port}${address === destination.host ? '' : ` (${destination.host})`}`;
    const clientOptions: IClientOptions = {
      protocol: destination.tls ? 'mqtts' : 'mqtt',
      host: address,
      port: destination.port,
      ...(destination.tls && !isIP(destination.host) ? { servername: destination.host } : {}),
      ...(destination.username ? { username: destination.username } : {}),
      ...(destination.password ? { password: destination.password } : {}),
      protocolVersion: 5,
      clientId: `relais-${randomBytes(8).toString('hex')}`,
      clean: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectPeriod: RECONNECT_PERIOD_MS,
      // Nothing waits in the client for a connection: a QoS 0 publish while disconnected fails (QoS 1
      // and 2 ones are never handed over while disconnected, see ready()).
      queueQoSZero: false,
      resubscribe: false,
    };
    const client = connect(clientOptions);
    const entry: Entry = { client, label, lastError: undefined, waiters: new Set(), busy: 0, lastUsed: Date.now() };
    const settle = (err?: unknown): void => {
      for (const waiter of entry.waiters) err === undefined ? waiter.resolve() : waiter.reject(err);
      entry.waiters.clear();
    };
    const drop = (): void => {
      pool.drop(key, entry);
      void endClient(client);
    };
    client.on('connect', () => {
      if (entry.lastError) log?.info({ broker: label }, 'MQTT connection restored');
      entry.lastError = undefined;
      settle();
    });
    // mqtt.js emits 'error' for each failed connection attempt (and throws without a listener).
    client.on('error', (err: Error) => {
      if (err instanceof ErrorWithReasonCode && !client.connected) {
        // A CONNACK refusal (bad user name or password, not authorized…): mqtt.js does not
        // reconnect after one. The client is dropped, and the next publish tries afresh.
        const refused = refusal(err, `the broker at ${label} refused the connection`);
        log?.warn({ broker: label, err: refused.message }, 'MQTT broker refused the connection');
        entry.lastError = refused;
        drop();
        settle(refused);
        return;
      }
      if (!entry.lastError) log?.warn({ broker: label, err: err.message }, 'MQTT connection error; reconnecting');
      entry.lastError = err;
      settle(err);
    });
    // MQTT 5: the broker says why it ends the connection (session taken over, quota exceeded…).
    client.on('disconnect', (packet) => {
      const code = packet.reasonCode ?? 0;
      entry.lastError = Object.assign(new Error(`the broker at ${label} disconnected (reason code 0x${code.toString(16)}${packet.properties?.reasonString ? `: ${packet.properties.reasonString}` : ''})`), { code: 'ECONNRESET' });
    });
    client.on('close', () => {
      if (!entry.lastError && !client.disconnecting) {
        entry.lastError = Object.assign(new Error(`the connection to the broker at ${label} closed`), { code: 'ECONNRESET' });
        log?.warn({ broker: label }, 'MQTT connection closed; reconnecting');
      }
    });
    client.on('end', () => settle(new Error(`the MQTT client for ${label} was closed`)));
    pool.add(key, entry);
    return entry;
  }

  /** Settles when the client is connected; at once when it is disconnected (with the last error). */
  function ready(entry: Entry): { promise: Promise<void>; cancel: () => void } {
    const none = { cancel: () => {} };
    if (entry.client.connected) return { promise: Promise.resolve(), ...none };
    if (entry.lastError || entry.client.disconnecting || entry.client.disconnected) {
      return { promise: Promise.reject(entry.lastError ?? new Error(`not connected to the broker at ${entry.label}`)), ...none };
    }
    // The first connection, under way.
    let waiter!: Waiter;
    const promise = new Promise<void>((resolve, reject) => {
      waiter = { resolve, reject };
    });
    entry.waiters.add(waiter);
    return { promise, cancel: () => entry.waiters.delete(waiter) };
  }

  async function publish(destination: BrokerDestination, message: BrokerMessage, options: PublishOptions): Promise<Published> {
    if (destination.kind !== 'mqtt') throw new PublishError('internal', `not an MQTT destination: ${destination.kind}`);
    if (closed) throw new PublishError('network', ABORTED_MESSAGE);
    let stage = `resolving ${destination.host}`;
    const deadline = new Deadline(options.timeoutMs, options.signal, () => stage);
    let entry: Entry | undefined;
    try {
      const address = await deadline.race(options.resolve(destination.host));
      if (closed) throw new PublishError('network', ABORTED_MESSAGE);
      entry = entryFor(destination, address);
      pool.take(entry);

      stage = `connecting to the MQTT broker at ${entry.label}`;
      const wait = ready(entry);
      try {
        await deadline.race(wait.promise);
      } finally {
        wait.cancel();
      }

      const { qos, topic } = destination;
      stage = qos === 0 ? `sending to the MQTT broker at ${entry.label}` : `waiting for the MQTT broker at ${entry.label} to acknowledge (QoS ${qos})`;
      const userProperties: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers)) {
        if (name.toLowerCase() !== 'content-type') userProperties[name.toLowerCase()] = value;
      }
      const client = entry.client;
      let done: ((err?: Error) => void) | undefined;
      const sent = new Promise<void>((resolve, reject) => {
        // QoS 0: called once the packet is written; QoS 1: on PUBACK; QoS 2: on PUBCOMP (or a refusing PUBREC).
        done = (err?: Error) => (err ? reject(err) : resolve());
        client.publish(topic, message.body, { qos, retain: false, properties: { contentType: message.contentType, userProperties } }, done);
      });
      try {
        await deadline.race(sent);
      } catch (err) {
        // Given up (timeout, shutdown): mqtt.js would otherwise send it again after a reconnection,
        // after this attempt has been logged as failed.
        if (err instanceof PublishError) forget(client, done);
        throw err;
      }
      return { ack: qos === 0 ? 'sent (QoS 0: no acknowledgement)' : `${qos === 1 ? 'PUBACK' : 'PUBCOMP'} from the broker (topic ${topic}, QoS ${qos})` };
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

/** Removes a QoS 1 or 2 publish still waiting for its acknowledgement from the client's store. */
function forget(client: MqttClient, callback: unknown): void {
  for (const [id, pending] of Object.entries(client.outgoing)) {
    if (pending.cb === callback) client.removeOutgoingMessage(Number(id));
  }
}

/** DISCONNECT when connected (in-flight acknowledgements are waited for, a moment), then stop in any case. */
async function endClient(client: MqttClient): Promise<void> {
  if (client.connected) {
    await withGrace(client.endAsync(), END_GRACE_MS);
  }
  if (!client.disconnected) await new Promise<void>((resolve) => client.end(true, () => resolve()));
}

function publishError(err: unknown, label: string): PublishError {
  if (err instanceof PublishError) return err;
  if (err instanceof ErrorWithReasonCode && err.code >= 0x80) return refusal(err, `the broker at ${label} refused the message`);
  const message = (err as Error | undefined)?.message;
  if (message === 'Connection closed' || message === 'No connection to broker') {
    return new PublishError('connection_reset', `the connection to the broker at ${label} closed before the message was acknowledged`);
  }
  return new PublishError(...classify(err));
}

/** Socket errors as every publisher reads them, and mqtt.js' own TLS refusal, which has no code. */
function classify(err: unknown): [ErrorKind, string] {
  const [kind, message] = classifySocketError(err);
  return kind === 'network' && message === 'TLS not authorized' ? ['tls', message] : [kind, message];
}
