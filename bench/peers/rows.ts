// `--scenario peers`: what a Node team would build instead of Relais, measured in the same run —
// a BullMQ dispatcher (Redis) and a pg-boss dispatcher (PostgreSQL, at its usual batch of 50 and
// its fastest, 2,000), each a process of its own (child.ts) that signs and POSTs the very body
// Relais sends to the same receiver, `events` events enqueued 500 at a time as the batch scenario
// sends Relais, as many at once as Relais sends one receiver. Each gets an unmeasured warm-up run
// first, as Relais does. CPU: the peer's process, and its server's: every redis-server process,
// or PostgreSQL's processes for the peer's own database (made for the run and dropped after).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { processCpuMs, serverCpu, serverCpuSince } from '../cpu.ts';
import { warmUpEvents, type BenchOptions } from '../options.ts';
import { thousands, type Progress } from '../progress.ts';
import type { Receiver } from '../receiver-client.ts';
import { ROOT } from '../relais-child.ts';
import { latencies, percentiles, round } from '../stats.ts';
import { makeStore, type Connection } from '../stores.ts';
import type { PeerCommand, PeerConfig, PeerMessage } from './child.ts';

export const REDIS = { host: '127.0.0.1', port: 6379 };
/** pg-boss' fetch sizes: its usual one, and its fastest on this machine (../shared/peers). */
export const PG_BOSS_BATCHES = [50, 2_000] as const;
const START_TIMEOUT_MS = 60_000;

export interface PeerRow {
  peer: 'bullmq' | 'pg-boss';
  /** `bullmq`, `pg-boss batch 50`. */
  name: string;
  /** Where its queue lives. */
  server: 'redis' | 'postgres';
  batch: number | null;
  events: number;
  delivered_per_s: number;
  raw_limit_per_s: number;
  /** delivered_per_s ÷ the run's raw limit: its share. */
  ratio: number;
  p50_ms: number;
  p99_ms: number;
  /** The peer's process (queue client, worker, signing, HTTP) per 1,000 deliveries. */
  cpu_ms_per_1000: number;
  /** Its server's: redis-server, or PostgreSQL's processes for its database; null if not on this machine. */
  server_cpu_ms_per_1000: number | null;
  received: number;
  duplicates: number;
  lost: number;
  duration_s: number;
}

interface PeerChild {
  pid: number;
  run(count: number): Promise<{ sentAt: Float64Array; ms: number }>;
  close(): Promise<void>;
  kill(): void;
}

async function startPeer(config: PeerConfig): Promise<PeerChild> {
  const proc = fork(new URL('./child.ts', import.meta.url).pathname, [JSON.stringify(config)], {
    cwd: ROOT, execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const next = (): Promise<PeerMessage> => new Promise<PeerMessage>((resolve, reject) => {
    const gone = (): void => reject(new Error(`the ${config.kind} peer exited (${proc.exitCode ?? proc.signalCode})`));
    proc.once('exit', gone);
    proc.once('message', (m: PeerMessage) => {
      proc.off('exit', gone);
      if ('failed' in m) reject(new Error(`${config.kind} peer: ${m.failed}`));
      else resolve(m);
    });
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), START_TIMEOUT_MS);
  await next().finally(() => clearTimeout(timer)).catch((err: unknown) => {
    proc.kill('SIGKILL');
    throw err;
  });
  return {
    pid: proc.pid!,
    run: async (count) => {
      const answer = next();
      proc.send({ op: 'run', count } satisfies PeerCommand);
      const m = await answer;
      if (!('ran' in m)) throw new Error(`${config.kind} peer: no run`);
      return m.ran;
    },
    close: async () => {
      if (proc.connected) proc.send({ op: 'close' } satisfies PeerCommand);
      await exited;
    },
    kill: () => { proc.kill('SIGKILL'); },
  };
}

export interface PeerRun {
  options: BenchOptions;
  receiver: Receiver;
  progress: Progress;
  rawPerS: number;
  concurrency: number;
  /** Undo on interrupt: the harness's (children killed, databases dropped). */
  cleanups: Set<() => Promise<void> | void>;
}

/** One peer: its store, its process, a warm-up, the measured run. */
async function measurePeer(r: PeerRun, name: string, config: PeerConfig, serverReading: () => Promise<Map<number, number> | undefined>): Promise<PeerRow> {
  const child = await startPeer(config);
  const kill = (): void => child.kill();
  r.cleanups.add(kill);
  try {
    const events = r.options.events;
    r.progress.show(`${name}: warming up, ${thousands(warmUpEvents(r.options))} events`);
    await r.receiver.reset();
    await child.run(warmUpEvents(r.options));
    await r.receiver.reset();
    r.progress.show(`${name}: ${thousands(events)} events`);
    const cpuBefore = processCpuMs(child.pid);
    const serverBefore = await serverReading();
    const ran = await child.run(events);
    const cpuMs = processCpuMs(child.pid) - cpuBefore;
    const serverAfter = await serverReading();
    const serverMs = serverBefore && serverAfter ? serverCpuSince(serverBefore, serverAfter) : undefined;
    const records = await r.receiver.take();
    const lat = percentiles(latencies(records.n, records.at, ran.sentAt));
    const perS = records.unique / (ran.ms / 1000);
    r.progress.clear();
    return {
      peer: config.kind, name, server: config.kind === 'bullmq' ? 'redis' : 'postgres', batch: config.kind === 'pg-boss' ? config.batch : null,
      events, delivered_per_s: round(perS), raw_limit_per_s: round(r.rawPerS), ratio: round(perS / r.rawPerS, 3),
      p50_ms: round(lat.p50, 1), p99_ms: round(lat.p99, 1),
      cpu_ms_per_1000: round(cpuMs / events * 1000), server_cpu_ms_per_1000: serverMs === undefined ? null : round(serverMs / events * 1000),
      received: records.unique, duplicates: records.duplicates, lost: Math.max(0, events - records.unique), duration_s: round(ran.ms / 1000, 3),
    };
  } finally {
    await child.close();
    r.cleanups.delete(kill);
  }
}

/** BullMQ, then pg-boss at each batch size: a row each. */
export async function runPeers(r: PeerRun): Promise<PeerRow[]> {
  const rows: PeerRow[] = [];
  const common = { receiverUrl: r.receiver.url, concurrency: r.concurrency };
  rows.push(await measurePeer(r, 'bullmq', { kind: 'bullmq', ...common, redis: REDIS, queue: `relais-bench-${randomBytes(6).toString('hex')}` },
    async () => serverCpu('redis-server')));
  for (const batch of [...PG_BOSS_BATCHES].sort((a, b) => b - a)) {
    const store = await makeStore('postgres');
    const dispose = (): Promise<void> => store.dispose();
    r.cleanups.add(dispose);
    let db: Connection | undefined;
    try {
      db = await store.connect();
      const url = store.env.DATABASE_URL!;
      rows.push(await measurePeer(r, `pg-boss batch ${batch}`, { kind: 'pg-boss', ...common, databaseUrl: url, batch }, () => db!.serverCpu()));
    } finally {
      await db?.close();
      await dispose();
      r.cleanups.delete(dispose);
    }
  }
  return rows;
}
