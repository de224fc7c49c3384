// Inside the dispatcher thread: a Relais with the worker role only, on its own store connection,
// sender and services, exactly as a worker process would run. Its log lines go to the main
// thread, which writes them where the rest of the process logs.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { createRelais } from '../main.ts';
import type { FromThread, ToThread } from './thread.ts';

const port = parentPort!;
const send = (message: FromThread): void => port.postMessage(message);
const { config, credits } = workerData as { config: Config; credits?: SharedArrayBuffer };
const log = createLogger(config.logLevel, { write: (line: string) => send({ type: 'log', line }) }).child({ thread: 'dispatcher' });

try {
  const relais = await createRelais({ ...config, roles: { api: false, worker: true }, dispatchThread: false }, log, { credits });
  await relais.start();
  port.on('message', (message: ToThread) => {
    if (message.type === 'stop') void relais.stop(message.graceMs).then(() => send({ type: 'stopped' }), (err: unknown) => send({ type: 'failed', message: String(err) }));
  });
  send({ type: 'started' });
  // The LISTEN connection's state, for the main thread's /healthz: looked at twice a second, sent when it changes.
  let listening: boolean | undefined;
  setInterval(() => {
    const now = relais.store.dueSignal.listening;
    if (now !== undefined && now !== listening) send({ type: 'listening', up: (listening = now) });
  }, 500).unref();
} catch (err) {
  send({ type: 'failed', message: (err as Error).stack ?? String(err) });
}
