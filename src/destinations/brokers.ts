// The broker half of the sender (issue 21): a webhook whose URL names a broker gets its request
// — the same body and headers an HTTP receiver would — published there instead, through one
// publisher per broker kind, made when first needed. An attempt is one publish; the broker's
// confirmation is its success, recorded as a 200 whose body says what confirmed it, so that
// retries, the breaker, auto-disable and the attempt log treat a broker as any receiver.
import type { Logger } from 'pino';
import { parseBrokerUrl, type BrokerKind } from '../core/destinations.ts';
import type { AttemptRequest } from '../core/model.ts';
import { parseCidrs, resolveAllowed, BlockedTargetError } from '../dispatcher/ssrf.ts';
import { PublishError, type BrokerMessage, type Publisher } from './publisher.ts';

/** What one publish came to, in the sender's terms (SendOutcome's shape). */
export interface BrokerOutcome {
  response: { status: number; headers: Record<string, string>; body: string; bodyTruncated: boolean } | null;
  error: { kind: PublishError['kind']; message: string } | null;
  durationMs: number;
  interrupted?: true;
}

export interface BrokersOptions {
  allowTargets: readonly string[];
  log?: Logger | undefined;
  /** Classifies what a publisher threw that is not a PublishError (the sender's classify). */
  classify: (err: unknown) => { kind: PublishError['kind']; message: string };
}

type Maker = (options: { log?: Logger | undefined }) => Publisher;

// Each broker's client library is loaded by the first delivery to such a broker: a Relais that
// only sends HTTP never loads them (start-up time, idle memory).
const MAKERS: Record<BrokerKind, () => Promise<Maker>> = {
  amqp: async () => (await import('./amqp.ts')).createAmqpPublisher,
  nats: async () => (await import('./nats.ts')).createNatsPublisher,
  redis: async () => (await import('./redis.ts')).createRedisPublisher,
  mqtt: async () => (await import('./mqtt.ts')).createMqttPublisher,
};

/** HTTP's own header, meaningless on a broker. */
const HTTP_ONLY = new Set(['user-agent']);

export function brokerMessage(req: AttemptRequest): BrokerMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HTTP_ONLY.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  return { id: headers['webhook-id'] ?? '', body: req.body, contentType: headers['content-type'] ?? 'application/json', headers };
}

export function createBrokers(options: BrokersOptions) {
  const allow = parseCidrs(options.allowTargets);
  const publishers = new Map<BrokerKind, Promise<Publisher>>();
  const inFlight = new Set<AbortController>();
  const resolve = (host: string): Promise<string> => resolveAllowed(host, allow);

  return {
    async send(req: AttemptRequest, timeoutMs: number): Promise<BrokerOutcome> {
      const started = performance.now();
      const took = (): number => Math.round(performance.now() - started);
      const parsed = parseBrokerUrl(req.url);
      // Checked at save (schemas/webhooks.ts): a URL that no longer parses is the store's fault, not the broker's.
      if ('problems' in parsed) return { response: null, error: { kind: 'network', message: `not a valid broker URL: ${parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}` }, durationMs: took() };
      const destination = parsed.destination;
      let made = publishers.get(destination.kind);
      if (!made) {
        made = MAKERS[destination.kind]().then((make) => make({ log: options.log }));
        publishers.set(destination.kind, made);
        made.catch(() => publishers.delete(destination.kind)); // tried again by the next delivery
      }
      const abort = new AbortController();
      inFlight.add(abort);
      try {
        const publisher = await made; // a client library that fails to load is this attempt's failure, as any other
        // Each publisher bounds its publish by timeoutMs and the abort (destinations/deadline.ts).
        const { ack } = await publisher.publish(destination, brokerMessage(req), { timeoutMs, resolve, signal: abort.signal });
        return { response: { status: 200, headers: {}, body: ack, bodyTruncated: false }, error: null, durationMs: took() };
      } catch (err) {
        if (abort.signal.aborted) return { response: null, error: { kind: 'network', message: 'aborted: Relais is shutting down' }, durationMs: took(), interrupted: true };
        if (err instanceof PublishError) return { response: null, error: { kind: err.kind, message: err.message }, durationMs: took() };
        if (err instanceof BlockedTargetError) return { response: null, error: { kind: 'blocked', message: err.message }, durationMs: took() };
        return { response: null, error: options.classify(err), durationMs: took() };
      } finally {
        inFlight.delete(abort);
      }
    },

    /** Shutdown: every publish in flight gives up (its outcome says interrupted). */
    abortAll(): void {
      for (const abort of inFlight) abort.abort();
    },

    async close(): Promise<void> {
      await Promise.allSettled([...publishers.values()].map(async (p) => (await p).close()));
      publishers.clear();
    },
  };
}
export type Brokers = ReturnType<typeof createBrokers>;
