// The pg-boss peer: jobs in PostgreSQL (its own schema in a database of its own), fetched `batch`
// at a time by ⌈concurrency ÷ batch⌉ work loops, each batch's jobs sent at once through the
// sender's sockets, then completed together. A loop whose batch took less than its polling
// interval (0.5 s, pg-boss' least) waits out the rest before fetching again: that is how pg-boss
// runs, and why a small batch is slow. Completed jobs stay in its table, as pg-boss keeps them.
import PgBoss from 'pg-boss';
import { eventData } from '../api.ts';
import { ATTEMPTS, doneCounter, type PeerQueue, type Sender } from './queue.ts';

export interface PgBossConfig { databaseUrl: string; batch: number; concurrency: number }

const QUEUE = 'webhooks';
const POLLING_S = 0.5;
const DRAIN_POLL_MS = 5;

export async function startPgBoss(config: PgBossConfig, sender: Sender): Promise<PeerQueue> {
  const boss = new PgBoss({ connectionString: config.databaseUrl, max: 10 });
  boss.on('error', (err: Error) => process.stderr.write(`pg-boss: ${err.message}\n`));
  await boss.start();
  await boss.createQueue(QUEUE);
  const done = doneCounter();
  const loops = Math.max(1, Math.ceil(config.concurrency / config.batch));
  for (let i = 0; i < loops; i++) {
    await boss.work<{ n: number }>(QUEUE, { batchSize: config.batch, pollingIntervalSeconds: POLLING_S }, async (jobs) => {
      await Promise.all(jobs.map((job) => sender.send(job.data, `msg_${job.id}`)));
      done.add(jobs.length);
    });
  }
  return {
    add: (from, to) => boss.insert(Array.from({ length: to - from }, (_, i) => ({
      name: QUEUE, data: eventData(from + i), retryLimit: ATTEMPTS - 1, retryBackoff: true,
    }))),
    drained: async (count) => {
      await done.reached(count);
      // pg-boss completes a batch after its handler returns: done once no job is left before `completed`.
      while ((await boss.getQueueSize(QUEUE, { before: 'completed' })) > 0) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    },
    close: () => boss.stop({ graceful: false, wait: true }),
  };
}
