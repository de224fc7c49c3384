// "Work is due" between the threads of one process (the API's and the dispatcher's), through a
// BroadcastChannel named after the process id they share (Config.processId), so that two Relais
// in one process (tests standing in for separate processes) do not wake each other: those must
// hear of each other through the store, as real processes do. A channel never hears its own messages.
import { BroadcastChannel } from 'node:worker_threads';
import type { Config } from '../config.ts';

export interface WakeChannel {
  notify(): void;
  listen(onDue: () => void): void;
  close(): void;
}

export function wakeChannel(config: Pick<Config, 'processId'>): WakeChannel {
  const channel = new BroadcastChannel(`relais-due:${config.processId}`);
  channel.unref(); // never what keeps the process alive
  return {
    notify: () => channel.postMessage(0),
    listen(onDue) {
      channel.onmessage = () => onDue();
    },
    close: () => channel.close(),
  };
}
