// A webhook's target is a URL, and its scheme says where it goes: an HTTP endpoint, or a broker
// (issue 21) — RabbitMQ (amqp), NATS JetStream (nats), Redis Streams (redis), MQTT 5 (mqtt),
// each in its TLS form too. Pure: parses and checks a URL's parameters, so the API answers a 422
// naming the parameter at save, and the dispatcher reads the same parse at send time.

export const BROKER_KINDS = ['amqp', 'nats', 'redis', 'mqtt'] as const;
export type BrokerKind = (typeof BROKER_KINDS)[number];

/** Each accepted scheme, and what it delivers through. */
const SCHEMES: Record<string, 'http' | BrokerKind> = {
  'http:': 'http', 'https:': 'http',
  'amqp:': 'amqp', 'amqps:': 'amqp',
  'nats:': 'nats', 'tls:': 'nats',
  'redis:': 'redis', 'rediss:': 'redis',
  'mqtt:': 'mqtt', 'mqtts:': 'mqtt',
};

export const DEFAULT_PORTS: Record<string, number> = {
  'amqp:': 5672, 'amqps:': 5671, 'nats:': 4222, 'tls:': 4222, 'redis:': 6379, 'rediss:': 6379, 'mqtt:': 1883, 'mqtts:': 8883,
};

interface BrokerBase {
  /** The URL as written (credentials included): the connection's identity, for pooling. */
  url: string;
  /** The scheme with its colon, e.g. `amqps:`. */
  protocol: string;
  tls: boolean;
  host: string;
  port: number;
  username: string;
  password: string;
}

export type BrokerDestination =
  | BrokerBase & { kind: 'amqp'; vhost: string; exchange: string; routingKey: string }
  | BrokerBase & { kind: 'nats'; subject: string }
  | BrokerBase & { kind: 'redis'; db: number; stream: string; maxlen: number | null }
  | BrokerBase & { kind: 'mqtt'; topic: string; qos: 0 | 1 | 2 };

export type Destination = { kind: 'http'; url: string } | BrokerDestination;

export interface DestinationProblem {
  /** `url`, or `url.<parameter>`: what the 422 names. */
  field: string;
  message: string;
}

// A subject, a stream name, a routing key: printable, no spaces (NATS subjects and MQTT topics
// forbid them; the rest gain nothing from them).
const NAME = /^[\x21-\x7e]{1,255}$/;
const NATS_SUBJECT = /^[^\s.*>]+(\.[^\s.*>]+)*$/; // no wildcards: a publish names one subject
const MQTT_TOPIC = /^[^#+\x00]{1,65535}$/; // no wildcards either

/** Which parameters each broker takes; any other is refused, so a typo is not silently ignored. */
const PARAMS: Record<BrokerKind, readonly string[]> = {
  amqp: ['exchange', 'routing_key'],
  nats: ['subject'],
  redis: ['stream', 'maxlen'],
  mqtt: ['topic', 'qos'],
};

/** The kind a URL's scheme delivers through, or undefined when the scheme is not accepted. */
export function destinationKind(url: string): 'http' | BrokerKind | undefined {
  const colon = url.indexOf(':');
  return colon > 0 ? SCHEMES[url.slice(0, colon + 1).toLowerCase()] : undefined;
}

export function isBrokerUrl(url: string): boolean {
  const kind = destinationKind(url);
  return kind !== undefined && kind !== 'http';
}

/** Parses a broker URL, or says what is wrong with it, each problem naming its parameter. */
export function parseBrokerUrl(url: string): { destination: BrokerDestination } | { problems: DestinationProblem[] } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { problems: [{ field: 'url', message: 'not a URL' }] };
  }
  const kind = SCHEMES[u.protocol];
  if (kind === undefined || kind === 'http') return { problems: [{ field: 'url', message: `the scheme ${u.protocol} is not a broker's: amqp, amqps, nats, tls, redis, rediss, mqtt or mqtts` }] };
  const problems: DestinationProblem[] = [];
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!host) problems.push({ field: 'url', message: 'a broker URL names its host' });
  const params = new Map<string, string>();
  for (const [name, value] of u.searchParams) {
    if (!PARAMS[kind].includes(name)) problems.push({ field: `url.${name}`, message: `not a ${kind} parameter: ${PARAMS[kind].join(', ')}` });
    else if (params.has(name)) problems.push({ field: `url.${name}`, message: 'given twice' });
    else params.set(name, value);
  }
  const need = (name: string, pattern: RegExp, what: string): string => {
    const value = params.get(name);
    if (value === undefined || value === '') problems.push({ field: `url.${name}`, message: `required: ${what}` });
    else if (!pattern.test(value)) problems.push({ field: `url.${name}`, message: `not a valid ${what}` });
    return value ?? '';
  };
  const base: BrokerBase = {
    url, protocol: u.protocol, tls: ['amqps:', 'tls:', 'rediss:', 'mqtts:'].includes(u.protocol), host,
    port: u.port ? Number(u.port) : DEFAULT_PORTS[u.protocol]!,
    username: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
  };
  if (u.hash) problems.push({ field: 'url', message: 'a broker URL has no #fragment' });

  let destination: BrokerDestination | undefined;
  switch (kind) {
    case 'amqp': {
      const exchange = params.get('exchange') ?? '';
      if (exchange !== '' && !NAME.test(exchange)) problems.push({ field: 'url.exchange', message: 'not a valid exchange name' });
      const routingKey = need('routing_key', NAME, 'routing key (the queue\'s name with the default exchange)');
      const path = decodeURIComponent(u.pathname.slice(1));
      destination = { ...base, kind, vhost: path === '' ? '/' : path, exchange, routingKey };
      break;
    }
    case 'nats': {
      const subject = need('subject', NATS_SUBJECT, 'subject (dot-separated tokens, no wildcards or spaces)');
      if (u.pathname !== '' && u.pathname !== '/') problems.push({ field: 'url', message: 'a nats URL has no path: name the subject with ?subject=' });
      destination = { ...base, kind, subject };
      break;
    }
    case 'redis': {
      const stream = need('stream', NAME, 'stream key');
      const path = u.pathname.slice(1);
      const db = path === '' ? 0 : Number(path);
      if (!Number.isInteger(db) || db < 0 || db > 15 || !/^\d*$/.test(path)) problems.push({ field: 'url', message: 'the path is the database number, 0 to 15' });
      const rawMax = params.get('maxlen');
      const maxlen = rawMax === undefined ? null : Number(rawMax);
      if (rawMax !== undefined && (!/^\d+$/.test(rawMax) || maxlen! < 1 || maxlen! > 1e9)) problems.push({ field: 'url.maxlen', message: 'a whole number from 1 to 1,000,000,000 (approximate trimming, MAXLEN ~)' });
      destination = { ...base, kind, db, stream, maxlen };
      break;
    }
    case 'mqtt': {
      const topic = need('topic', MQTT_TOPIC, 'topic (no + or # wildcards)');
      const rawQos = params.get('qos') ?? '1';
      if (!['0', '1', '2'].includes(rawQos)) problems.push({ field: 'url.qos', message: '0, 1 or 2 (default 1: the broker acknowledges each message)' });
      if (u.pathname !== '' && u.pathname !== '/') problems.push({ field: 'url', message: 'an mqtt URL has no path: name the topic with ?topic=' });
      destination = { ...base, kind, topic, qos: Number(rawQos) as 0 | 1 | 2 };
      break;
    }
  }
  return problems.length > 0 ? { problems } : { destination: destination! };
}

/** What a URL shows, and stores, in place of its password. */
export const URL_PASSWORD_MARK = '[redacted]';

/**
 * Where the password is in the URL's text, as WHATWG parsing reads it: the authority runs to the
 * first `/`, `?` or `#` (and `\` for http and https), its last `@` ends the user info, whose
 * first `:` starts the password. Undefined when the URL has no password.
 */
function passwordSpan(url: string): [number, number] | undefined {
  if (!URL.canParse(url)) return undefined;
  const u = new URL(url);
  if (!u.password) return undefined;
  const slashes = url.indexOf('//');
  if (slashes < 0) return undefined;
  const start = slashes + 2;
  const end = url.slice(start).search(/^https?:$/i.test(u.protocol) ? /[/?#\\]/ : /[/?#]/);
  const authorityEnd = end < 0 ? url.length : start + end;
  const at = url.lastIndexOf('@', authorityEnd - 1);
  const colon = url.indexOf(':', start);
  return at >= start && colon >= start && colon < at ? [colon + 1, at] : undefined;
}

/** The URL with its password replaced, for showing: `amqp://user:[redacted]@host/…`. */
export function redactUrlPassword(url: string, mark = URL_PASSWORD_MARK): string {
  const span = passwordSpan(url);
  // Replaced in the text, not through URL, so the rest reads exactly as written.
  return span ? `${url.slice(0, span[0])}${mark}${url.slice(span[1])}` : url;
}

/**
 * A URL as stored: its password replaced by the mark, and the password as written (still
 * percent-encoded), null when it has none, to be sealed apart (store/kysely/webhooks.ts).
 */
export function splitUrlPassword(url: string): { url: string; password: string | null } {
  const span = passwordSpan(url);
  return span ? { url: `${url.slice(0, span[0])}${URL_PASSWORD_MARK}${url.slice(span[1])}`, password: url.slice(span[0], span[1]) } : { url, password: null };
}

/** The URL as written again, from what splitUrlPassword gave: the mark replaced by the password. */
export function joinUrlPassword(stored: string, password: string): string {
  const span = passwordSpan(stored);
  return span ? `${stored.slice(0, span[0])}${password}${stored.slice(span[1])}` : stored;
}

/** Whether the URL's password is the mark: a URL sent back as the API showed it. */
export function hasMarkedPassword(url: string): boolean {
  const span = passwordSpan(url);
  if (!span) return false;
  const raw = url.slice(span[0], span[1]);
  try {
    return decodeURIComponent(raw) === URL_PASSWORD_MARK;
  } catch {
    return false;
  }
}

/** Scheme, user, host and port: what a kept password may be sent to again. */
export function urlConnection(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const u = new URL(url);
  return `${u.protocol}//${u.username}@${u.hostname.toLowerCase()}:${u.port || DEFAULT_PORTS[u.protocol] || ''}`;
}
