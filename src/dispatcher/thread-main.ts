// Inside the dispatcher thread: the store, services and delivery engine a worker process has
// (assemble.ts), on the thread's own store connection, and no API. The main thread has migrated
// the store already. Log lines go to the main thread, which writes them where the rest of the
// process logs.
import { parentPort, workerData } from 'node:worker_threads';
import { assemble } from '../assemble.ts';
import type { Config } from '../config.ts';
import { createLogger } from '../log.ts';
import type { FromThread, ToThread } from './thread.ts';

const port = parentPort!;
const send = (message: FromThread): void => port.postMessage(message);
const { config, credits, counters } = workerData as { config: Config; credits?: SharedArrayBuffer; counters?: SharedArrayBuffer };
const log = createLogger(config.logLevel, { write: (line: string) => send({ type: 'log', line }) }).child({ thread: 'dispatcher' });

try {
  const { store, engine, close } = assemble({ ...config, roles: { api: false, worker: true }, dispatchThread: false }, log, { credits, counters });
  await engine.start();
  port.on('message', (message: ToThread) => {
    if (message.type === 'stop') void close(message.graceMs).then(() => send({ type: 'stopped' }), (err: unknown) => send({ type: 'failed', message: String(err) }));
  });
  send({ type: 'started' });
  // The LISTEN connection's state, for the main thread's /healthz: looked at twice a second, sent
  // when it changes; and this thread's store errors, for its /metrics.
  let listening: boolean | undefined;
  setInterval(() => {
    engine.counters?.storeErrors(store.unavailableErrors());
    const now = store.dueSignal.listening;
    if (now !== undefined && now !== listening) send({ type: 'listening', up: (listening = now) });
  }, 500).unref();
} catch (err) {
  send({ type: 'failed', message: (err as Error).stack ?? String(err) });
}
