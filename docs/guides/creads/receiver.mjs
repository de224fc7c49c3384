// A receiver for Creads Partners webhooks: one URL, three events, told apart by `event`, the
// resource's kind by `resource_type` and which one by `resource_gid`.
//
//   PORT=3000 node receiver.mjs
//
// RECEIVED_LOG, when set, names a file where each notification is written down as one JSON line
// (the guide's test reads it).
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const log = process.env.RECEIVED_LOG;
const writeDown = (entry) => { if (log) appendFileSync(log, `${JSON.stringify(entry)}\n`); };

function handle(notification) {
  const { event, resource_type: type, resource_gid: gid, resource } = notification;
  switch (event) {
    case 'resource.created':
      // e.g. a new project: create it in the agency's own tool
      return { event, type, gid, seen: resource };
    case 'resource.updated':
      // the resource in its new state
      return { event, type, gid, seen: resource };
    case 'resource.deleted':
      // no resource: only its type and gid
      return { event, type, gid, seen: null, had_resource: resource !== undefined };
    default:
      return undefined;
  }
}

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let notification;
    try {
      notification = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end('not JSON');
      return;
    }
    const handled = handle(notification);
    writeDown(handled ?? { unknown_event: notification.event });
    // Anything but a 2xx makes Creads (and Relais) try again later.
    res.writeHead(handled ? 200 : 400).end(handled ? 'ok' : 'unknown event');
  });
}).listen(port, '127.0.0.1');
