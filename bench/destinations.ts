// The destinations scenario (issue 21): the same batch load to one webhook per destination — the
// bench's HTTP receiver, then each broker on this machine (RabbitMQ, NATS JetStream, Redis Streams,
// MQTT) — in one Relais process per engine, with each destination's own CPU beside Relais'.
//   - The harness prepares the broker side first: a durable queue bound to a direct exchange
//     (RabbitMQ), a JetStream stream on the subject (NATS), a fresh stream key (Redis), a QoS 1
//     subscriber on the topic (MQTT; Mosquitto would PUBACK with none, but the subscriber is what
//     counts the messages); and removes it after.
//   - Per destination: an unmeasured warm-up batch through a webhook of its own (it loads the
//     broker's client library and connects), then `events` events in batches of `batchSize`, one
//     request at a time, to a tenant with one webhook there.
//   - Done when the store has no delivery pending or delivering and the destination holds them all
//     (the receiver's count, the queue's message count, the stream's messages, XLEN, the
//     subscriber's count). delivered/s: deliveries ÷ (first event sent → last attempt recorded).
//   - Latency: each attempt's end (the attempt log's started_at + duration_ms: the broker's
//     confirmation, or the receiver's answer) minus its event's send time, exact over all.
//   - CPU per 1,000 deliveries: Relais' process (every thread); the destination's processes by name
//     (beam.smp, nats-server, redis-server, mosquitto; for HTTP the receiver's own process), with
//     their idle rate over the 2 s before the row, since brokers are shared and tick when idle.
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Redis } from 'ioredis';
import { connectAsync } from 'mqtt';
import { EVENT_TYPE } from './api.ts';
import { processCpuMs, serverCpu, serverCpuSince } from './cpu.ts';
import { warmUpEvents } from './options.ts';
import { thousands } from './progress.ts';
import type { Session } from './scenarios.ts';
import { percentiles, round } from './stats.ts';
import type { Engine } from './stores.ts';
import { textTable } from './text-table.ts';

export const DESTINATIONS = ['http', 'amqp', 'nats', 'redis', 'mqtt'] as const;
export type DestinationKind = (typeof DESTINATIONS)[number];

/** Where the brokers are: the machine's, as the publishers' tests expect them (the same variables point elsewhere). */
const BROKERS = {
  amqp: process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672/',
  nats: process.env.NATS_URL || 'nats://127.0.0.1:4222',
  redis: process.env.REDIS_URL || 'redis://127.0.0.1:6379/0',
  mqtt: process.env.MQTT_URL || 'mqtt://127.0.0.1:1883',
};
/** The process names of each destination's server (for HTTP: the receiver, by pid). */
const PROCESS: Record<DestinationKind, string> = { http: 'receiver', amqp: 'beam.smp', nats: 'nats-server', redis: 'redis-server', mqtt: 'mosquitto' };

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 10;
const IDLE_MS = 2_000;

export interface DestinationRow {
  engine: Engine;
  destination: DestinationKind;
  /** The webhook's URL (the local brokers' default credentials only). */
  url: string;
  /** Whose CPU broker_cpu_ms_per_1000 is. */
  server_process: string;
  events: number;
  deliveries: number;
  delivered_per_s: number;
  /** Event sent → its attempt's end (started_at + duration_ms in the attempt log). */
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  /** One attempt alone: its duration_ms in the attempt log (the publish until the broker's confirmation; the HTTP request until the answer). */
  attempt_p50_ms: number;
  attempt_p99_ms: number;
  /** Relais' process, every thread, per 1,000 deliveries. */
  cpu_ms_per_1000: number;
  /** The destination's own processes over the row (idle included), per 1,000 deliveries; null when none was found on this machine. */
  server_cpu_ms_per_1000: number | null;
  /** The same processes' CPU per second over the 2 s before the row (idle, or other users of a shared broker). */
  server_idle_cpu_ms_per_s: number | null;
  /** PostgreSQL's CPU for the run's database (stores.ts), per 1,000; null on SQLite. */
  db_cpu_ms_per_1000: number | null;
  duration_s: number;
  /** What the destination holds of the row's deliveries: received (HTTP), queue messages, stream messages, XLEN, messages the subscriber got. */
  at_destination: number;
  succeeded: number;
  not_succeeded: number;
  lost: number;
}

interface Prepared {
  url: string;
  /** Messages the destination holds (or the subscriber got) so far. */
  count(): Promise<number>;
  /** CPU so far of the destination's processes, by pid. */
  cpu(): Map<number, number>;
  cleanUp(): Promise<void>;
}

const name = (): string => `relais-bench-${randomBytes(4).toString('hex')}`;

async function prepare(kind: DestinationKind, s: Session, tenant: string): Promise<Prepared> {
  const byName = (): Map<number, number> => serverCpu(PROCESS[kind]);
  switch (kind) {
    case 'http': {
      await s.receiver.reset();
      return {
        url: `${s.receiver.url}/${tenant}/0`,
        count: async () => (await s.receiver.count()).unique,
        cpu: () => new Map([[s.receiver.pid, processCpuMs(s.receiver.pid)]]),
        cleanUp: () => s.receiver.reset(),
      };
    }
    case 'amqp': {
      const conn = await amqp.connect(BROKERS.amqp);
      const ch = await conn.createChannel();
      const exchange = name();
      const queue = name();
      await ch.assertExchange(exchange, 'direct', { durable: true, autoDelete: false });
      await ch.assertQueue(queue, { durable: true, exclusive: false, autoDelete: false });
      await ch.bindQueue(queue, exchange, queue);
      const base = new URL(BROKERS.amqp);
      return {
        url: `amqp://${base.username}:${base.password}@${base.host}/%2F?exchange=${exchange}&routing_key=${queue}`,
        count: async () => (await ch.checkQueue(queue)).messageCount,
        cpu: byName,
        cleanUp: async () => {
          await ch.deleteQueue(queue).catch(() => undefined);
          await ch.deleteExchange(exchange).catch(() => undefined);
          await conn.close().catch(() => undefined);
        },
      };
    }
    case 'nats': {
      const nc = await natsConnect({ servers: new URL(BROKERS.nats).host });
      const jsm = await jetstreamManager(nc);
      const stream = name();
      const subject = `${stream}.events`;
      await jsm.streams.add({ name: stream, subjects: [subject] });
      return {
        url: `nats://${new URL(BROKERS.nats).host}?subject=${subject}`,
        count: async () => (await jsm.streams.info(stream)).state.messages,
        cpu: byName,
        cleanUp: async () => {
          await jsm.streams.delete(stream).catch(() => undefined);
          await nc.close().catch(() => undefined);
        },
      };
    }
    case 'redis': {
      const redis = new Redis(BROKERS.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      const key = name();
      await redis.del(key);
      const base = new URL(BROKERS.redis);
      return {
        url: `redis://${base.host}${base.pathname || '/0'}?stream=${key}`,
        count: () => redis.xlen(key),
        cpu: byName,
        cleanUp: async () => {
          await redis.del(key).catch(() => undefined);
          redis.disconnect();
        },
      };
    }
    case 'mqtt': {
      const topic = `${name()}/events`;
      // MQTT 5, so that Mosquitto may have as many messages in flight to the subscriber as its
      // Receive Maximum (65,535) allows: under 3.1.1 it keeps 20 in flight and 1,000 queued, and
      // drops the rest of a burst the subscriber is slow to acknowledge (as it did here under load).
      const client = await connectAsync(BROKERS.mqtt, { clientId: name(), clean: true, reconnectPeriod: 0, protocolVersion: 5 });
      let received = 0;
      client.on('message', () => { received++; });
      await client.subscribeAsync(topic, { qos: 1 });
      return {
        url: `mqtt://${new URL(BROKERS.mqtt).host}?topic=${encodeURIComponent(topic)}&qos=1`,
        count: async () => received,
        cpu: byName,
        cleanUp: async () => { await client.endAsync(true).catch(() => undefined); },
      };
    }
  }
}

/** A tenant with one webhook at `url`. */
async function tenantAt(s: Session, tenant: string, url: string): Promise<void> {
  await s.api.call('POST', '/v1/tenants', { id: tenant, name: `bench ${tenant}` }, 201);
  await s.api.call('POST', '/v1/event-types', { name: EVENT_TYPE, description: 'A benchmark event' }, [200, 201]);
  await s.api.call('POST', `/v1/tenants/${tenant}/webhooks`, { url, events: [EVENT_TYPE] }, 201);
}

/** Polls until the probe says done; false once its mark has not moved for options.stallMs. */
async function until(s: Session, probe: () => Promise<{ done: boolean; mark: number }>): Promise<boolean> {
  let mark = Number.NaN;
  let movedAt = now();
  for (;;) {
    const state = await probe();
    if (state.done) return true;
    if (state.mark !== mark) {
      mark = state.mark;
      movedAt = now();
    } else if (now() - movedAt > s.options.stallMs) {
      return false;
    }
    await sleep(POLL_MS);
  }
}

/** Sends `events` events in batches, one request at a time; resolves with the deliveries made, and fills sentAt. */
async function sendBatches(s: Session, tenant: string, events: number, sentAt: Float64Array, idPrefix: string): Promise<number> {
  let expected = 0;
  for (let from = 0; from < events; from += s.options.batchSize) {
    const to = Math.min(events, from + s.options.batchSize);
    sentAt.fill(now(), from, to);
    expected += await s.api.sendBatch(tenant, from, to, idPrefix);
  }
  return expected;
}

async function destinationRow(s: Session, kind: DestinationKind): Promise<DestinationRow> {
  const tenant = `dest-${kind}`;
  const label = `${s.engine} destinations ${kind}`;
  const dest = await prepare(kind, s, tenant);
  try {
    // Warm-up: its own webhook to the same destination (its messages are counted in the baseline).
    s.progress.show(`${label}: warming up`);
    const warm = `${tenant}-warm`;
    await tenantAt(s, warm, kind === 'http' ? `${s.receiver.url}/${warm}/0` : dest.url);
    const warmEvents = warmUpEvents(s.options);
    await sendBatches(s, warm, warmEvents, new Float64Array(warmEvents), 'w');
    if (!await until(s, async () => { const live = await s.db.live(); return { done: live === 0, mark: live }; })) throw new Error(`${label}: the warm-up did not finish`);
    if (kind === 'http') await s.receiver.reset();

    await tenantAt(s, tenant, dest.url);
    const before = await dest.count();
    const idleStart = dest.cpu();
    await sleep(IDLE_MS);
    const idleEnd = dest.cpu();
    const idleMs = serverCpuSince(idleStart, idleEnd);

    const events = s.options.events;
    const sentAt = new Float64Array(events);
    const cpuStart = s.relais.cpuMs();
    const serverStart = dest.cpu();
    const dbStart = await s.db.serverCpu();
    const started = now();
    const ticker = setInterval(() => {
      void dest.count().then((c) => {
        const elapsedS = (now() - started) / 1000;
        s.progress.show(`${label}: ${thousands(c - before)} at the destination  ${thousands((c - before) / elapsedS)}/s  ${elapsedS.toFixed(1)} s`);
      }, () => undefined);
    }, 250);
    let expected: number;
    let recorded: boolean;
    let done: number;
    try {
      expected = await sendBatches(s, tenant, events, sentAt, 'e');
      recorded = await until(s, async () => { const live = await s.db.live(); return { done: live === 0, mark: live }; });
      done = now();
    } finally {
      clearInterval(ticker);
      s.progress.clear();
    }
    const cpuEnd = s.relais.cpuMs();
    const dbEnd = await s.db.serverCpu();
    // The destination holds them all (an MQTT subscriber may lag its PUBACKs a little).
    let atDestination = 0;
    await until(s, async () => { atDestination = (await dest.count()) - before; return { done: atDestination >= expected, mark: atDestination }; });
    const serverMs = serverCpuSince(serverStart, dest.cpu());
    const dbMs = dbStart && dbEnd && serverCpuSince(dbStart, dbEnd);

    const ends = await s.db.all<{ k: string; t: number | string; d: number | string }>(
      'SELECT e.idempotency_key AS k, a.started_at + a.duration_ms AS t, a.duration_ms AS d FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN events e ON e.id = d.event_id WHERE a.tenant_id = $1 AND a.succeeded = 1',
      [tenant]);
    const lat = percentiles(Float64Array.from(ends, (r) => Number(r.t) - sentAt[Number(r.k.slice(2))]!));
    const took = percentiles(Float64Array.from(ends, (r) => Number(r.d)));
    const statuses = await s.db.statuses(tenant);
    const succeeded = statuses.succeeded ?? 0;
    const stored = Object.values(statuses).reduce((a, b) => a + b, 0);
    const durationS = (done - started) / 1000;
    const per1000 = (ms: number): number => round(ms / expected * 1000);
    if (!recorded) process.stderr.write(`${label}: deliveries still live after ${s.options.stallMs} ms without progress\n`);
    return {
      engine: s.engine,
      destination: kind,
      url: dest.url,
      server_process: kind === 'http' ? `receiver (node, pid ${s.receiver.pid})` : PROCESS[kind],
      events,
      deliveries: expected,
      delivered_per_s: round(succeeded / durationS),
      p50_ms: round(lat.p50, 1),
      p95_ms: round(lat.p95, 1),
      p99_ms: round(lat.p99, 1),
      max_ms: round(lat.max, 1),
      attempt_p50_ms: round(took.p50, 1),
      attempt_p99_ms: round(took.p99, 1),
      cpu_ms_per_1000: per1000(cpuEnd - cpuStart),
      server_cpu_ms_per_1000: serverMs === undefined ? null : per1000(serverMs),
      server_idle_cpu_ms_per_s: idleMs === undefined ? null : round(idleMs / (IDLE_MS / 1000), 1),
      db_cpu_ms_per_1000: dbMs === undefined ? null : per1000(dbMs),
      duration_s: round(durationS, 3),
      at_destination: atDestination,
      succeeded,
      not_succeeded: stored - succeeded,
      lost: Math.max(0, expected - atDestination),
    };
  } finally {
    await dest.cleanUp();
  }
}

/** Every destination in turn on the session's Relais; a destination that fails (its broker down) is reported and skipped. */
export async function destinationRows(s: Session, onError: (label: string, err: unknown) => void): Promise<DestinationRow[]> {
  const rows: DestinationRow[] = [];
  for (const kind of DESTINATIONS) {
    try {
      rows.push(await destinationRow(s, kind));
    } catch (err) {
      s.progress.clear();
      onError(`${s.engine} destinations ${kind}`, err);
    }
  }
  return rows;
}

const COLUMNS: [string, (r: DestinationRow) => string][] = [
  ['engine', (r) => r.engine],
  ['destination', (r) => r.destination],
  ['server', (r) => (r.destination === 'http' ? 'receiver' : r.server_process)],
  ['deliveries', (r) => thousands(r.deliveries)],
  ['delivered/s', (r) => thousands(r.delivered_per_s)],
  ['p50 ms', (r) => r.p50_ms.toFixed(1)],
  ['p99 ms', (r) => r.p99_ms.toFixed(1)],
  ['attempt p50/p99', (r) => `${r.attempt_p50_ms}/${r.attempt_p99_ms}`],
  ['Relais CPU/1000', (r) => thousands(r.cpu_ms_per_1000)],
  ['server CPU/1000', (r) => (r.server_cpu_ms_per_1000 === null ? '-' : thousands(r.server_cpu_ms_per_1000))],
  ['idle ms/s', (r) => (r.server_idle_cpu_ms_per_s === null ? '-' : String(r.server_idle_cpu_ms_per_s))],
  ['DB CPU', (r) => (r.db_cpu_ms_per_1000 === null ? '-' : thousands(r.db_cpu_ms_per_1000))],
  ['held', (r) => thousands(r.at_destination)],
  ['lost', (r) => String(r.lost + r.not_succeeded)],
];

export function destinationLines(rows: readonly DestinationRow[]): string[] {
  if (rows.length === 0) return [];
  return [
    textTable(COLUMNS, rows, 3),
    '  latency: event sent → its attempt\'s end (the broker\'s confirmation, the receiver\'s answer), a backlog\'s queueing included; attempt: one attempt\'s own duration_ms; CPU in ms per 1,000 deliveries: Relais\' process, the destination\'s ' +
      'processes (for HTTP the receiver; idle included, idle ms/s measured over the 2 s before); held: what the destination holds of the row (queue, stream, XLEN, subscriber)',
  ];
}
