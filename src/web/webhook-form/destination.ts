// A webhook's destination as the form edits it (issue 21): an HTTPS endpoint's URL, or a broker's
// fields, composed into the URL the API takes (core/destinations.ts reads it) and parsed back
// from the URL the API shows, its password `[redacted]`. Pure: no DOM, no API.
import { DEFAULT_PORTS, URL_PASSWORD_MARK, destinationKind, type BrokerKind } from '../../core/destinations.ts';

export type DestinationKind = 'http' | BrokerKind;

export const DESTINATION_KINDS: readonly (readonly [DestinationKind, string])[] = [
  ['http', 'HTTPS endpoint'], ['amqp', 'RabbitMQ'], ['nats', 'NATS JetStream'], ['redis', 'Redis Stream'], ['mqtt', 'MQTT'],
];
const KIND_NAMES: Record<DestinationKind, string> = Object.fromEntries(DESTINATION_KINDS) as Record<DestinationKind, string>;
export const kindName = (kind: DestinationKind): string => KIND_NAMES[kind];

/** A broker's fields as typed, every one text (or a checkbox). */
export interface BrokerFields {
  host: string;
  port: string;
  tls: boolean;
  username: string;
  /** Empty while editing means: keep the stored password (see `storedPassword`). */
  password: string;
  /** Whether the URL the API showed had a password (`[redacted]`): an empty password field keeps it. */
  storedPassword: boolean;
  vhost: string;
  exchange: string;
  routingKey: string;
  subject: string;
  db: string;
  stream: string;
  maxlen: string;
  topic: string;
  qos: '0' | '1' | '2';
}

export function emptyBroker(): BrokerFields {
  return {
    host: '', port: '', tls: false, username: '', password: '', storedPassword: false, vhost: '', exchange: '', routingKey: '',
    subject: '', db: '', stream: '', maxlen: '', topic: '', qos: '1',
  };
}

const SCHEME: Record<BrokerKind, [plain: string, tls: string]> = {
  amqp: ['amqp', 'amqps'], nats: ['nats', 'tls'], redis: ['redis', 'rediss'], mqtt: ['mqtt', 'mqtts'],
};

/** The port a broker URL means when it names none. */
export const defaultPort = (kind: BrokerKind, tls: boolean): number => DEFAULT_PORTS[`${SCHEME[kind][tls ? 1 : 0]}:`]!;

const enc = encodeURIComponent;
const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** `host`, in brackets when it is an IPv6 address. */
const hostPart = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * The URL the API takes for a broker's fields: each part percent-encoded, required parameters
 * always written (empty, the API names them: `url.routing_key`), optional ones only when given.
 * An empty password with a stored one sends the mark back, which keeps the stored password.
 */
export function composeBrokerUrl(kind: BrokerKind, f: BrokerFields): string {
  const scheme = SCHEME[kind][f.tls ? 1 : 0];
  const password = f.password !== '' ? enc(f.password) : f.storedPassword ? URL_PASSWORD_MARK : '';
  const user = enc(f.username.trim());
  const userinfo = user || password ? `${user}${password ? `:${password}` : ''}@` : '';
  const port = f.port.trim() ? `:${f.port.trim()}` : '';
  let path = '';
  const params: [string, string][] = [];
  switch (kind) {
    case 'amqp': {
      const vhost = f.vhost.trim();
      // The default vhost `/` is an empty path; any other is one percent-encoded segment.
      if (vhost && vhost !== '/') path = `/${enc(vhost)}`;
      if (f.exchange.trim()) params.push(['exchange', f.exchange.trim()]);
      params.push(['routing_key', f.routingKey.trim()]);
      break;
    }
    case 'nats':
      params.push(['subject', f.subject.trim()]);
      break;
    case 'redis':
      if (f.db.trim()) path = `/${enc(f.db.trim())}`;
      params.push(['stream', f.stream.trim()]);
      if (f.maxlen.trim()) params.push(['maxlen', f.maxlen.trim()]);
      break;
    case 'mqtt':
      params.push(['topic', f.topic.trim()], ['qos', f.qos]);
      break;
  }
  const query = params.map(([k, v]) => `${k}=${enc(v)}`).join('&');
  return `${scheme}://${userinfo}${hostPart(f.host.trim())}${port}${path}?${query}`;
}

/** A destination read back from a URL: its kind, and for a broker its fields. */
export function parseDestination(url: string): { kind: 'http'; url: string } | { kind: BrokerKind; fields: BrokerFields } | undefined {
  const kind = destinationKind(url);
  if (kind === undefined || kind === 'http') return kind === 'http' ? { kind, url } : undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const f = emptyBroker();
  f.tls = SCHEME[kind][1] === u.protocol.slice(0, -1);
  f.host = u.hostname.replace(/^\[|\]$/g, '');
  f.port = u.port;
  f.username = decode(u.username);
  // The API shows a stored password as the mark: the field stays empty, and empty keeps it.
  f.storedPassword = u.password !== '';
  if (u.password !== '' && decode(u.password) !== URL_PASSWORD_MARK) f.password = decode(u.password);
  const param = (name: string): string => u.searchParams.get(name) ?? '';
  const path = decode(u.pathname.replace(/^\//, ''));
  switch (kind) {
    case 'amqp':
      f.vhost = path === '/' ? '' : path;
      f.exchange = param('exchange');
      f.routingKey = param('routing_key');
      break;
    case 'nats':
      f.subject = param('subject');
      break;
    case 'redis':
      f.db = path;
      f.stream = param('stream');
      f.maxlen = param('maxlen');
      break;
    case 'mqtt': {
      const qos = param('qos');
      f.qos = qos === '0' || qos === '2' ? qos : '1';
      f.topic = param('topic');
      break;
    }
  }
  return { kind, fields: f };
}

/**
 * A destination in words, for lists and titles: an HTTP URL as it is, a broker as
 * `RabbitMQ · exchange orders · routing key invoices @ mq.example.com`.
 */
export function describeDestination(url: string): string {
  const d = parseDestination(url);
  if (!d || d.kind === 'http') return url;
  const f = d.fields;
  const kind = d.kind;
  const port = f.port && Number(f.port) !== defaultPort(kind, f.tls) ? `:${f.port}` : '';
  const where = `@ ${hostPart(f.host)}${port}`;
  const name = `${kindName(kind)}${f.tls ? ' (TLS)' : ''}`;
  const parts: string[] = [name];
  switch (kind) {
    case 'amqp':
      parts.push(f.exchange ? `exchange ${f.exchange}` : 'default exchange', `routing key ${f.routingKey}`);
      return `${parts.join(' · ')} ${where}${f.vhost ? ` vhost ${f.vhost}` : ''}`;
    case 'nats':
      parts.push(`subject ${f.subject}`);
      break;
    case 'redis':
      parts.push(`stream ${f.stream}`);
      if (f.maxlen) parts.push(`max length ~${f.maxlen}`);
      return `${parts.join(' · ')} ${where}${f.db && f.db !== '0' ? ` db ${f.db}` : ''}`;
    case 'mqtt':
      parts.push(`topic ${f.topic}`, `QoS ${f.qos}`);
      break;
  }
  return `${parts.join(' · ')} ${where}`;
}

/** Where a broker message carries the headers an HTTP request would: what the preview says. */
export const METADATA_LABEL: Record<BrokerKind, { title: string; hint: string }> = {
  amqp: { title: 'AMQP headers', hint: 'Sent as the message\'s AMQP headers table; content-type, message-id (the webhook-id) and timestamp also go as its properties. The message is persistent and mandatory.' },
  nats: { title: 'NATS headers', hint: 'Sent as the JetStream message\'s NATS headers; the webhook-id is also its Nats-Msg-Id, so a retry is not stored twice.' },
  redis: { title: 'Redis fields', hint: 'Each header is one field of the stream entry (names lower-case), next to the field body, which holds the body.' },
  mqtt: { title: 'MQTT user properties', hint: 'Each header is one MQTT 5 user property (names lower-case); content-type also goes as the Content Type property.' },
};
