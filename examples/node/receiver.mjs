// A Relais webhook receiver in plain Node.js (no framework), verified with the public
// `standardwebhooks` package.
//
//   npm install
//   WEBHOOK_SECRET='whsec_…' PORT=3000 node receiver.mjs
//
// Each verified event is written as one JSON line ({"id","type","timestamp","data"}) to stdout,
// or appended to the file RECEIVED_LOG names. Answers 204 to a verified request (a duplicate
// too), 400 to a request without the signature headers or without a JSON body, 401 to a
// signature that does not match or a timestamp more than 5 minutes away from now.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('Set WEBHOOK_SECRET to the webhook\'s signing secret (whsec_…)');
  process.exit(1);
}
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const log = process.env.RECEIVED_LOG;
const webhook = new Webhook(secret);

const MAX_BODY_BYTES = 1024 * 1024;

// webhook-id is the same on every retry of a delivery: an event already handled is not handled
// twice. Kept in memory here; a real receiver keeps it where its own data is (a unique key).
const seen = new Set();
const SEEN_MAX = 10_000;

function writeDown(entry) {
  const line = `${JSON.stringify(entry)}\n`;
  if (log) appendFileSync(log, line);
  else process.stdout.write(line);
}

/** The integration's own work, by event type. */
function handle(event) {
  switch (event.type) {
    case 'invoice.paid':
      // e.g. mark the invoice paid in your own system: event.data.invoice
      break;
    default:
      // Unknown types are acknowledged too: answering non-2xx would only make Relais retry.
      break;
  }
}

function answer(res, status, text) {
  res.writeHead(status, text ? { 'content-type': 'text/plain' } : {});
  res.end(text);
}

createServer((req, res) => {
  if (req.method !== 'POST') return answer(res, 405, 'POST only\n');
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    // The signature covers the body's bytes as sent: verify them before parsing anything.
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      event = webhook.verify(rawBody, req.headers);
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) return answer(res, 400, 'body is not JSON\n');
      const malformed = err.message === 'Missing required headers' || err.message === 'Invalid Signature Headers';
      console.error(`rejected: ${err.message}`);
      return answer(res, malformed ? 400 : 401, `${err.message}\n`);
    }
    const id = req.headers['webhook-id'];
    if (seen.has(id)) {
      console.error(`duplicate ${id}: already handled`);
      return answer(res, 204);
    }
    if (!event || typeof event !== 'object') return answer(res, 400, 'expected a JSON object\n');
    try {
      handle(event);
    } catch (err) {
      console.error(`failed on ${id}: ${err.stack ?? err}`);
      return answer(res, 500, 'try again later\n'); // not a 2xx: Relais retries it
    }
    seen.add(id);
    if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value);
    console.error(`verified ${event.type} ${id}`);
    writeDown({ id, type: event.type, timestamp: event.timestamp, data: event.data });
    answer(res, 204);
  });
}).listen(port, host, () => console.error(`listening on http://${host}:${port}`));
