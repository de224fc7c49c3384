// Consumes the RabbitMQ queue a Relais webhook publishes to (through the exchange and routing key
// of its `amqp://…?exchange=X&routing_key=Y` URL), verifying each message with the public
// `standardwebhooks` package, exactly as an HTTP receiver verifies a request.
//
//   npm install
//   AMQP_URL='amqp://guest:guest@127.0.0.1:5672/%2F' AMQP_QUEUE=orders WEBHOOK_SECRET='whsec_…' node amqp-consumer.mjs
//
// Where Relais puts things: the body is the message's content (the bytes an HTTP receiver would
// get); webhook-id, webhook-timestamp, webhook-signature, content-type and the webhook's own
// headers are AMQP message headers (properties.headers), names lower-case; the content type is
// also properties.contentType, and the webhook-id properties.messageId.
//
// The queue is yours to declare and bind to the exchange (Relais publishes with `mandatory`: a
// routing key no queue is bound to is a failed attempt, retried). Each verified message is
// written as one JSON line ({"id","type","data"}) to stdout, then acknowledged; one that does not
// verify is rejected without requeueing (dead-lettered when the queue has a dead-letter exchange).
import amqp from 'amqplib';
import { Webhook } from 'standardwebhooks';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/%2F';
const queue = process.env.AMQP_QUEUE;
const secret = process.env.WEBHOOK_SECRET;
if (!queue || !secret) {
  console.error('Set AMQP_QUEUE (the queue bound to the webhook\'s exchange and routing key) and WEBHOOK_SECRET (whsec_…)');
  process.exit(1);
}
const webhook = new Webhook(secret);

// webhook-id is the same on every retry of a delivery (and on a resend): handled once. Kept in
// memory here; a real consumer keeps it where its own data is (a unique key).
const seen = new Set();
const SEEN_MAX = 10_000;

const connection = await amqp.connect(url);
const channel = await connection.createChannel();
await channel.prefetch(10);
await channel.checkQueue(queue); // fails here, clearly, when the queue does not exist

await channel.consume(queue, (msg) => {
  if (!msg) return; // the broker cancelled the consumer (the queue was deleted)
  const headers = {};
  for (const [name, value] of Object.entries(msg.properties.headers ?? {})) {
    headers[name.toLowerCase()] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  const id = headers['webhook-id'] ?? msg.properties.messageId ?? '(no webhook-id)';
  let payload;
  try {
    // The content's bytes as published: never a parsed and re-serialised copy.
    payload = webhook.verify(msg.content, headers);
  } catch (err) {
    console.error(`rejected ${id}: ${err.message}`);
    channel.nack(msg, false, false);
    return;
  }
  if (seen.has(id)) {
    console.error(`duplicate ${id}: already handled`);
  } else {
    seen.add(id);
    if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value);
    process.stdout.write(`${JSON.stringify({ id, type: payload?.type ?? payload?.event ?? null, data: payload?.data ?? payload })}\n`);
  }
  channel.ack(msg);
});
console.error(`consuming queue ${queue}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await channel.close().catch(() => {});
    await connection.close().catch(() => {});
    process.exit(0);
  });
}
