// Starts the receiver process (receiver.ts) and talks to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import type { ReceiverCommand, ReceiverCount, ReceiverMessage, ReceiverRecords } from './receiver.ts';
import { ROOT } from './relais-child.ts';

export interface Receiver {
  url: string;
  pid: number;
  /** Starts a phase: forgets what was received so far. */
  reset(): Promise<void>;
  count(): Promise<ReceiverCount>;
  take(): Promise<ReceiverRecords>;
  close(): Promise<void>;
  kill(): void;
}

export async function startReceiver(): Promise<Receiver> {
  const proc: ChildProcess = fork(new URL('./receiver.ts', import.meta.url).pathname, [], {
    cwd: ROOT, execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let nextId = 0;
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`the receiver exited at start (${code})`)));
    proc.on('message', (msg: ReceiverMessage) => {
      if ('ready' in msg) resolve(msg.port);
      else pending.get(msg.id)?.resolve(msg.value);
    });
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`the receiver exited (${code ?? signal})`));
    resolve();
  }));
  const call = <T>(op: ReceiverCommand['op']): Promise<T> => new Promise<T>((resolve, reject) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      reject(new Error('the receiver is not running'));
      return;
    }
    const id = nextId++;
    const done = (): boolean => pending.delete(id);
    pending.set(id, { resolve: (value) => done() && resolve(value as T), reject: (err) => done() && reject(err) });
    proc.send({ id, op } satisfies ReceiverCommand);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: proc.pid!,
    reset: () => call<null>('reset').then(() => undefined),
    count: () => call<ReceiverCount>('count'),
    take: () => call<ReceiverRecords>('take'),
    close: async () => {
      await call<null>('close').catch(() => undefined);
      await exited;
    },
    kill: () => { proc.kill('SIGKILL'); },
  };
}
