// Between the threads of one process (the API's and the dispatcher's): "work is due", and the
// deliveries ingest stored leased to the dispatcher (ingest-leasing.ts). A BroadcastChannel named after
// the process id they share (Config.processId), so that two Relais in one process (tests standing
// in for separate processes) do not wake each other: those must hear of each other through the
// store, as real processes do. A channel never hears its own messages.
import { BroadcastChannel } from 'node:worker_threads';
import type { Config } from '../config.ts';
import type { ClaimedDelivery } from '../store/store.ts';

type Message = { type: 'due'; tenants?: readonly string[] | undefined } | { type: 'handedOver'; batch: readonly ClaimedDelivery[] };

export interface WakeChannel {
  /** Work is due; `tenants`, whose, when known. */
  notify(tenants?: readonly string[]): void;
  handOver(batch: readonly ClaimedDelivery[]): void;
  listen(on: { due: (tenants?: readonly string[]) => void; handedOver: (batch: readonly ClaimedDelivery[]) => void }): void;
  close(): void;
}

export function wakeChannel(config: Pick<Config, 'processId'>): WakeChannel {
  const channel = new BroadcastChannel(`relais-due:${config.processId}`);
  channel.unref(); // never what keeps the process alive
  const post = (message: Message): void => channel.postMessage(message);
  return {
    notify: (tenants) => post({ type: 'due', tenants }),
    handOver: (batch) => post({ type: 'handedOver', batch }),
    listen(on) {
      channel.onmessage = (e) => {
        const message = (e as { data: Message }).data;
        if (message.type === 'due') on.due(message.tenants);
        else on.handedOver(message.batch);
      };
    },
    close: () => channel.close(),
  };
}
