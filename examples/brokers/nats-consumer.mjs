// Consumes the NATS JetStream stream a Relais webhook publishes to (its `nats://…?subject=S` URL
// names the subject; a stream must capture it, else the attempt fails), verifying each message
// with the public `standardwebhooks` package, exactly as an HTTP receiver verifies a request.
//
//   npm install
//   NATS_URL=nats://127.0.0.1:4222 NATS_STREAM=ORDERS WEBHOOK_SECRET='whsec_…' node nats-consumer.mjs
//
// Where Relais puts things: the body is the message's data (the bytes an HTTP receiver would
// get); webhook-id, webhook-timestamp, webhook-signature, content-type and the webhook's own
// headers are NATS message headers. The webhook-id is also the message's Nats-Msg-Id, so
// JetStream itself drops a retry of a message it already stored (within the stream's duplicate
// window).
//
// Reads through a durable pull consumer (NATS_CONSUMER, `relais-consumer` by default, made with
// explicit acks when missing). Each verified message is written as one JSON line
// ({"id","type","data"}) to stdout, then acknowledged; one that does not verify is terminated
// (`term`: never redelivered) and logged.
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Webhook } from 'standardwebhooks';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const stream = process.env.NATS_STREAM;
const durable = process.env.NATS_CONSUMER ?? 'relais-consumer';
const secret = process.env.WEBHOOK_SECRET;
if (!stream || !secret) {
  console.error('Set NATS_STREAM (the JetStream stream capturing the webhook\'s subject) and WEBHOOK_SECRET (whsec_…)');
  process.exit(1);
}
const webhook = new Webhook(secret);

// webhook-id is the same on every retry of a delivery (and on a resend): handled once.
const seen = new Set();
const SEEN_MAX = 10_000;

const nc = await connect({ servers });
const jsm = await jetstreamManager(nc);
try {
  await jsm.consumers.info(stream, durable);
} catch {
  await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit });
}
const consumer = await jetstream(nc).consumers.get(stream, durable);
const messages = await consumer.consume();
console.error(`consuming stream ${stream} (consumer ${durable})`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await messages.close().catch(() => {});
    await nc.drain().catch(() => {});
    process.exit(0);
  });
}

for await (const m of messages) {
  const headers = {};
  for (const name of m.headers?.keys() ?? []) headers[name.toLowerCase()] = m.headers.get(name);
  const id = headers['webhook-id'] ?? '(no webhook-id)';
  let payload;
  try {
    payload = webhook.verify(m.string(), headers);
  } catch (err) {
    console.error(`rejected ${id}: ${err.message}`);
    m.term();
    continue;
  }
  if (seen.has(id)) {
    console.error(`duplicate ${id}: already handled`);
  } else {
    seen.add(id);
    if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value);
    process.stdout.write(`${JSON.stringify({ id, type: payload?.type ?? payload?.event ?? null, data: payload?.data ?? payload })}\n`);
  }
  m.ack();
}
