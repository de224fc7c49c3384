// The dispatcher in a thread of its own (RELAIS_DISPATCH_THREAD, on by default when one process
// runs both roles): Node runs JavaScript on one core per thread, and a process that both accepts
// events and delivers them is CPU-bound on that one core while the machine's others idle. The
// thread builds what a worker process has (thread-main.ts) on its own store connection; ingest wakes it
// and hands it fresh deliveries through the wake channel, spending the credits the thread
// publishes in the memory they share. Should it die, it is started again: its leased deliveries
// fall due when their leases end, so nothing is lost.
import { Worker } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import { RUNNING_SOURCES } from '../built.ts';
import type { Config } from '../config.ts';
import { sharedCredits } from './credits.ts';

export type ToThread = { type: 'stop'; graceMs: number };
export type FromThread =
  | { type: 'started' }
  | { type: 'stopped' }
  | { type: 'failed'; message: string }
  | { type: 'log'; line: string }
  /** Whether the thread's store hears other processes' NOTIFY (PostgreSQL), sent when it changes. */
  | { type: 'listening'; up: boolean };

const RESTART_MS = 1_000;
// Built (dist/), the thread runs thread-main.js as it is; from the sources (the test runner), a
// worker thread starts without the loader the main thread registered, so thread-entry.mjs adds it.
const ENTRY = new URL(RUNNING_SOURCES ? './thread-entry.mjs' : './thread-main.js', import.meta.url);

export interface DispatchThread {
  /** Finishes deliveries in flight (up to graceMs, as the dispatcher's stop()), then ends the thread. */
  stop(graceMs: number): Promise<void>;
  /** Whether the thread runs now (false between a crash and its restart), and whether it hears NOTIFY (undefined: it does not listen). */
  status(): { running: boolean; listening: boolean | undefined };
}

/** Where `log` writes: the thread's lines (already JSON, already redacted) are written there as they are. */
function destinationOf(log: Logger): { write(line: string): void } {
  return (log as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym]!;
}

export interface ThreadOptions {
  /** The credits' shared memory (credits.ts): emptied when the thread ends, so ingest hands nothing to a dead thread. */
  credits?: SharedArrayBuffer;
  /** The dispatcher's metrics (counters.ts): written by the thread, read by this one's /metrics; kept across restarts. */
  counters?: SharedArrayBuffer | undefined;
  /** The thread's script (its tests supervise one that crashes). */
  entry?: URL;
}

/** Resolves once the thread's dispatcher is running; rejects if it could not start. */
export async function startDispatchThread(config: Config, log: Logger, { credits, counters, entry = ENTRY }: ThreadOptions = {}): Promise<DispatchThread> {
  const out = destinationOf(log);
  let stopping = false;
  let worker: Worker;
  let exited: Promise<void>; // the current worker's end
  let restart: NodeJS.Timeout | undefined;
  let stopped: (() => void) | undefined;
  let running = false;
  let listening: boolean | undefined;

  function spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker = new Worker(entry, { workerData: { config, credits, counters } });
      exited = new Promise<void>((ended) => worker.once('exit', () => ended()));
      worker.on('message', (m: FromThread) => {
        if (m.type === 'log') out.write(m.line);
        else if (m.type === 'listening') listening = m.up;
        else if (m.type === 'started') {
          started = running = true;
          resolve();
        } else if (m.type === 'stopped') stopped?.();
        else if (m.type === 'failed') {
          log.error({ reason: m.message }, 'the dispatcher thread failed');
          if (!started) reject(new Error(`the dispatcher thread could not start: ${m.message}`));
          void worker.terminate();
        }
      });
      worker.on('error', (err) => log.error({ err }, 'the dispatcher thread crashed'));
      worker.on('exit', (code) => {
        running = false;
        listening = undefined;
        if (credits) sharedCredits(credits).withdraw();
        if (!started) return reject(new Error(`the dispatcher thread exited at start (code ${code})`));
        if (stopping) return;
        log.error({ code }, `the dispatcher thread ended; starting it again in ${RESTART_MS} ms`);
        restart = setTimeout(() => {
          if (!stopping) spawn().catch((err: unknown) => log.error({ err }, 'the dispatcher thread could not start again'));
        }, RESTART_MS);
        restart.unref();
      });
    });
  }

  await spawn();
  return {
    status: () => ({ running, listening }),
    async stop(graceMs) {
      stopping = true;
      clearTimeout(restart); // a thread that died is not started again; one that is starting is stopped
      const done = new Promise<void>((resolve) => { stopped = resolve; });
      worker.postMessage({ type: 'stop', graceMs } satisfies ToThread);
      await Promise.race([done, exited]);
      await worker.terminate();
    },
  };
}
