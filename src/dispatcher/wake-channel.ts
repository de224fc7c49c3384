// "Work is due" between the threads of one process (the API's and the dispatcher's), through a
// BroadcastChannel named after the database, so that two Relais on different stores in one
// process (tests) do not wake each other. A channel never hears its own messages.
import { BroadcastChannel } from 'node:worker_threads';
import type { Config } from '../config.ts';

export interface WakeChannel {
  notify(): void;
  listen(onDue: () => void): void;
  close(): void;
}

export function wakeChannel(config: Pick<Config, 'databaseUrl' | 'sqlitePath'>): WakeChannel {
  const channel = new BroadcastChannel(`relais-due:${config.databaseUrl ?? config.sqlitePath}`);
  channel.unref(); // never what keeps the process alive
  return {
    notify: () => channel.postMessage(0),
    listen(onDue) {
      channel.onmessage = () => onDue();
    },
    close: () => channel.close(),
  };
}
