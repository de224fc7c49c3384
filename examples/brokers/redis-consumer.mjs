// Consumes the Redis stream a Relais webhook appends to (its `redis://…?stream=KEY` URL), in a
// consumer group, verifying each entry with the public `standardwebhooks` package, exactly as an
// HTTP receiver verifies a request.
//
//   npm install
//   REDIS_URL=redis://127.0.0.1:6379/0 REDIS_STREAM=orders WEBHOOK_SECRET='whsec_…' node redis-consumer.mjs
//
// Where Relais puts things: each entry has a `body` field (the bytes an HTTP receiver would get),
// then one field per header, names lower-case: content-type, the webhook's own headers,
// webhook-id, webhook-timestamp, webhook-signature.
//
// Reads as REDIS_CONSUMER (`consumer-1` by default) in the group REDIS_GROUP (`relais` by
// default), made when missing, from the stream's first entry (REDIS_GROUP_START=$ for new
// entries only). Each verified entry is written as one JSON line ({"id","type","data"}) to stdout,
// then acknowledged (XACK); one that does not verify is logged and left unacknowledged, in the
// group's pending entries (XPENDING) for someone to look at.
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const stream = process.env.REDIS_STREAM;
const group = process.env.REDIS_GROUP ?? 'relais';
const consumer = process.env.REDIS_CONSUMER ?? 'consumer-1';
const start = process.env.REDIS_GROUP_START ?? '0';
const secret = process.env.WEBHOOK_SECRET;
if (!stream || !secret) {
  console.error('Set REDIS_STREAM (the webhook\'s stream key) and WEBHOOK_SECRET (whsec_…)');
  process.exit(1);
}
const webhook = new Webhook(secret);

// webhook-id is the same on every retry of a delivery (and on a resend): handled once.
const seen = new Set();
const SEEN_MAX = 10_000;

const redis = new Redis(url);
try {
  await redis.xgroup('CREATE', stream, group, start, 'MKSTREAM');
} catch (err) {
  if (!String(err.message).startsWith('BUSYGROUP')) throw err; // the group exists: carry on from where it is
}
console.error(`consuming stream ${stream} (group ${group}, consumer ${consumer})`);

let running = true;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    running = false;
    redis.disconnect();
    process.exit(0);
  });
}

while (running) {
  const answer = await redis.xreadgroup('GROUP', group, consumer, 'COUNT', 10, 'BLOCK', 5_000, 'STREAMS', stream, '>');
  for (const [, entries] of answer ?? []) {
    for (const [entryId, fields] of entries) {
      let body;
      const headers = {};
      for (let i = 0; i < fields.length; i += 2) {
        if (fields[i] === 'body') body = fields[i + 1];
        else headers[fields[i].toLowerCase()] = fields[i + 1];
      }
      const id = headers['webhook-id'] ?? '(no webhook-id)';
      let payload;
      try {
        if (body === undefined) throw new Error('the entry has no body field');
        payload = webhook.verify(body, headers);
      } catch (err) {
        console.error(`rejected ${id} (entry ${entryId}): ${err.message}`);
        continue; // not acknowledged: it stays in the group's pending entries
      }
      if (seen.has(id)) {
        console.error(`duplicate ${id}: already handled`);
      } else {
        seen.add(id);
        if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value);
        process.stdout.write(`${JSON.stringify({ id, type: payload?.type ?? payload?.event ?? null, data: payload?.data ?? payload })}\n`);
      }
      await redis.xack(stream, group, entryId);
    }
  }
}
