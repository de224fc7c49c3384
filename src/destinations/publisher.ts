// What every broker destination implements (issue 21): publish one signed message and wait for
// the broker's confirmation, or fail with a classified error. One publisher per broker kind per
// dispatcher, pooling a connection per destination (its URL's connection part) and reconnecting
// by itself; the sender (dispatcher/sender.ts) routes non-HTTP URLs here.
import type { BrokerDestination } from '../core/destinations.ts';
import type { ErrorKind } from '../core/model.ts';

/** The same bytes and headers an HTTP receiver would get, for the broker's own metadata. */
export interface BrokerMessage {
  /** The webhook-id: also the message id where the broker has one (AMQP message-id, Redis field). */
  id: string;
  body: string;
  contentType: string;
  /** Lower-case names: webhook-id, webhook-timestamp, webhook-signature, the webhook's own rows, content-type. */
  headers: Record<string, string>;
}

export interface Published {
  /** What the broker confirmed, for the attempt log: e.g. `confirmed by RabbitMQ`, `stream ORDERS seq 42`. */
  ack: string;
}

/** A failed publish: its kind and message go to the attempt log as an HTTP error's do. */
export class PublishError extends Error {
  constructor(readonly kind: ErrorKind, message: string) {
    super(message);
  }
}

export interface PublishOptions {
  timeoutMs: number;
  /** Resolves a host to the address to connect to, refusing what RELAIS_ALLOW_TARGETS does not allow (BlockedTargetError). */
  resolve: (host: string) => Promise<string>;
  /** Aborted on shutdown (abortAll): the publish gives up at once. */
  signal?: AbortSignal;
}

export interface Publisher {
  publish(destination: BrokerDestination, message: BrokerMessage, options: PublishOptions): Promise<Published>;
  /** Closes every pooled connection cleanly. */
  close(): Promise<void>;
}
