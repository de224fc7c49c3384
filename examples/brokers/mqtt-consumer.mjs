// Subscribes (MQTT 5) to the topic a Relais webhook publishes to (its `mqtt://…?topic=T&qos=1`
// URL), verifying each message with the public `standardwebhooks` package, exactly as an HTTP
// receiver verifies a request.
//
//   npm install
//   MQTT_URL=mqtt://127.0.0.1:1883 MQTT_TOPIC=relais/orders WEBHOOK_SECRET='whsec_…' node mqtt-consumer.mjs
//
// Where Relais puts things: the payload is the body (the bytes an HTTP receiver would get); the
// content type is the MQTT 5 Content Type property; webhook-id, webhook-timestamp,
// webhook-signature and the webhook's own headers are User Properties, names lower-case. Only
// MQTT 5 carries them: subscribe with protocol version 5.
//
// Subscribes at MQTT_QOS (1 by default). Each verified message is written as one JSON line
// ({"id","type","data"}) to stdout; one that does not verify is logged and, at QoS 1 or 2,
// refused in the acknowledgement (reason code 0x87, not authorized).
import { randomBytes } from 'node:crypto';
import { connectAsync } from 'mqtt';
import { Webhook } from 'standardwebhooks';

const url = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const topic = process.env.MQTT_TOPIC;
const qos = Number(process.env.MQTT_QOS ?? 1);
const secret = process.env.WEBHOOK_SECRET;
if (!topic || !secret) {
  console.error('Set MQTT_TOPIC (the webhook\'s topic) and WEBHOOK_SECRET (whsec_…)');
  process.exit(1);
}
const webhook = new Webhook(secret);
const NOT_AUTHORIZED = 0x87;

// webhook-id is the same on every retry of a delivery (and on a resend): handled once.
const seen = new Set();
const SEEN_MAX = 10_000;

/** Verifies one message and acts on it: true when it verified. */
function handle(payload, packet) {
  const headers = {};
  for (const [name, value] of Object.entries(packet.properties?.userProperties ?? {})) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (packet.properties?.contentType) headers['content-type'] = packet.properties.contentType;
  const id = headers['webhook-id'] ?? '(no webhook-id)';
  let event;
  try {
    event = webhook.verify(payload, headers);
  } catch (err) {
    console.error(`rejected ${id}: ${err.message}`);
    return false;
  }
  if (seen.has(id)) {
    console.error(`duplicate ${id}: already handled`);
  } else {
    seen.add(id);
    if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value);
    process.stdout.write(`${JSON.stringify({ id, type: event?.type ?? event?.event ?? null, data: event?.data ?? event })}\n`);
  }
  return true;
}

const client = await connectAsync(url, {
  protocolVersion: 5,
  clientId: `relais-consumer-${randomBytes(4).toString('hex')}`,
  // QoS 1 and 2: verified before the acknowledgement, which refuses a message that does not verify.
  customHandleAcks: (_topic, payload, packet, done) => done(handle(payload, packet) ? 0 : NOT_AUTHORIZED),
});
client.on('message', (_topic, payload, packet) => {
  if (packet.qos === 0) handle(payload, packet); // QoS 0 has no acknowledgement to refuse
});
client.on('error', (err) => console.error(`MQTT: ${err.message}`));
await client.subscribeAsync(topic, { qos });
console.error(`consuming topic ${topic} (QoS ${qos})`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await client.endAsync().catch(() => {});
    process.exit(0);
  });
}
