// The raw limit: how many POSTs a second this machine carries from one process to the receiver
// with no Relais at all — plain undici requests of a delivery's size and headers (a Standard
// Webhooks envelope of the bench event, signed), at the concurrency Relais allows one receiver
// (RELAIS_WEBHOOK_CONCURRENCY and the sender's connections per origin: 64 each by default).
import { Pool } from 'undici';
import { loadConfig } from '../src/config.ts';
import { newId } from '../src/ids.ts';
import type { Receiver } from './receiver-client.ts';
import { processCpuMs } from './cpu.ts';
import { eventData } from './api.ts';
import { signedDelivery } from './delivery.ts';

/** The sender's sockets per origin (src/dispatcher/sender.ts). */
const CONNECTIONS_PER_ORIGIN = 64;

/** What Relais under test will allow one receiver, from the same environment its process gets. */
export function relaisConcurrency(): { perReceiver: number; text: string } {
  const config = loadConfig();
  return {
    perReceiver: Math.min(config.webhookConcurrency, CONNECTIONS_PER_ORIGIN),
    text: `${config.concurrency} deliveries in flight, at most ${config.webhookConcurrency} per webhook and ${CONNECTIONS_PER_ORIGIN} connections per origin`,
  };
}

export interface RawLimit {
  per_s: number; requests: number; concurrency: number; body_bytes: number; duration_s: number;
  /** CPU time of the sending process (the harness: undici alone, no Relais) per 1,000 requests. */
  client_cpu_ms_per_1000: number;
  /** CPU time of the receiver's process per 1,000 requests: what each delivery costs the machine on that side too. */
  receiver_cpu_ms_per_1000: number;
}

/** Sends `count` requests, or for `untilMs` (performance.now()) when given. */
async function blast(pool: Pool, path: string, count: number, concurrency: number, onDone: () => void, untilMs = Infinity): Promise<number> {
  const { body, headers } = signedDelivery(eventData(0), newId('dlv'));
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count && performance.now() < untilMs) {
      next++;
      // A fresh webhook-id per request: the receiver counts each once, as it counts deliveries.
      const res = await pool.request({ path, method: 'POST', headers: { ...headers, 'webhook-id': newId('dlv') }, body });
      await res.body.dump();
      if (res.statusCode !== 204) throw new Error(`the receiver answered ${res.statusCode}`);
      onDone();
    }
  }));
  return next;
}

/**
 * Warms up for warmUpMs (both processes' JIT: the rate keeps climbing for the first ~10,000
 * requests), then times `requests` POSTs, `concurrency` at a time (by default what Relais allows
 * one receiver; 1 for the serial limit, the yardstick of a webhook with max_concurrency 1).
 */
export async function measureRawLimit(receiver: Receiver, requests: number, warmUpMs: number, onProgress: (done: number) => void,
  concurrency = relaisConcurrency().perReceiver): Promise<RawLimit> {
  const pool = new Pool(receiver.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  try {
    await receiver.reset();
    const warmup = await blast(pool, '/raw/0', Infinity, concurrency, () => undefined, performance.now() + warmUpMs);
    let done = 0;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const receiverBefore = processCpuMs(receiver.pid);
    await blast(pool, '/raw/0', requests, concurrency, () => onProgress(++done));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const receiverMs = processCpuMs(receiver.pid) - receiverBefore;
    const got = await receiver.count();
    if (got.unique !== warmup + requests) throw new Error(`raw limit: the receiver counted ${got.unique} requests of ${warmup + requests}`);
    return { per_s: requests / seconds, requests, concurrency, body_bytes: Buffer.byteLength(signedDelivery(eventData(0), '').body), duration_s: seconds,
      client_cpu_ms_per_1000: (cpu.user + cpu.system) / 1000 / requests * 1000, receiver_cpu_ms_per_1000: receiverMs / requests * 1000 };
  } finally {
    await pool.close();
  }
}
