// A peer as a process of its own (forked by ../peers.ts), so that its CPU is read apart from the
// harness's, as Relais' is. It starts its queue and worker, says ready, then over IPC:
//   run    enqueue events 0..count-1 in chunks of 500 (what the batch scenario sends Relais per
//          request), wait until each is delivered and recorded done; answer when each chunk
//          was enqueued and how long the whole took
//   close  stop the worker, drop what it left in its queue, exit
import { startBull, type BullConfig } from './bullmq.ts';
import { startPgBoss, type PgBossConfig } from './pg-boss.ts';
import { createSender, type PeerQueue } from './queue.ts';

export type PeerConfig = { receiverUrl: string; concurrency: number } & (
  | ({ kind: 'bullmq' } & BullConfig)
  | ({ kind: 'pg-boss' } & PgBossConfig));

export type PeerCommand = { op: 'run'; count: number } | { op: 'close' };
export type PeerMessage =
  | { ready: true }
  | { ran: { sentAt: Float64Array; ms: number } }
  | { failed: string };

const CHUNK = 500;
const now = (): number => performance.timeOrigin + performance.now();

async function run(queue: PeerQueue, count: number): Promise<{ sentAt: Float64Array; ms: number }> {
  const sentAt = new Float64Array(count);
  const started = performance.now();
  const drained = queue.drained(count);
  for (let from = 0; from < count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK);
    sentAt.fill(now(), from, to);
    await queue.add(from, to);
  }
  await drained;
  return { sentAt, ms: performance.now() - started };
}

async function main(config: PeerConfig): Promise<void> {
  const sender = createSender(config.receiverUrl, config.concurrency);
  const queue = config.kind === 'bullmq' ? await startBull(config, sender) : await startPgBoss(config, sender);
  const reply = (m: PeerMessage): void => { process.send!(m); };
  process.on('message', (cmd: PeerCommand) => {
    if (cmd.op === 'run') {
      run(queue, cmd.count).then((ran) => reply({ ran }), (err: Error) => reply({ failed: err.stack ?? err.message }));
      return;
    }
    void queue.close().finally(() => sender.close()).finally(() => process.exit(0));
  });
  reply({ ready: true });
}

// The harness gone (even killed), the peer goes too.
process.on('disconnect', () => process.exit(0));
main(JSON.parse(process.argv[2]!) as PeerConfig).catch((err: Error) => {
  process.send!({ failed: err.stack ?? err.message } satisfies PeerMessage);
  process.exit(1);
});
