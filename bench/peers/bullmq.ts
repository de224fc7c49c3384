// The BullMQ peer: jobs in Redis, a Worker running `concurrency` of them at once, each a signed
// POST. Completed jobs are removed at once (nothing kept: no attempt log), as a team would set it
// for throughput.
import { Queue, Worker } from 'bullmq';
import { eventData } from '../api.ts';
import { ATTEMPTS, BACKOFF_MS, doneCounter, type PeerQueue, type Sender } from './queue.ts';

export interface BullConfig { redis: { host: string; port: number }; queue: string; concurrency: number }

export async function startBull(config: BullConfig, sender: Sender): Promise<PeerQueue> {
  const connection = config.redis;
  const queue = new Queue(config.queue, { connection });
  const done = doneCounter();
  const worker = new Worker(config.queue, (job) => sender.send(job.data, `msg_${job.id}`), {
    connection, concurrency: config.concurrency, removeOnComplete: { count: 0 }, removeOnFail: { count: 1_000 },
  });
  // 'completed' comes once the job is recorded done in Redis, not merely sent.
  worker.on('completed', () => done.add(1));
  worker.on('error', (err) => process.stderr.write(`bullmq worker: ${err.message}\n`));
  await worker.waitUntilReady();
  return {
    add: async (from, to) => {
      await queue.addBulk(Array.from({ length: to - from }, (_, i) => ({
        name: 'event', data: eventData(from + i), opts: { attempts: ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_MS } },
      })));
    },
    drained: (count) => done.reached(count),
    close: async () => {
      await worker.close(true);
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}
