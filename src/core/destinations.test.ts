import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  destinationKind, hasMarkedPassword, isBrokerUrl, joinUrlPassword, parseBrokerUrl, redactUrlPassword, splitUrlPassword, urlConnection,
  type BrokerDestination, type DestinationProblem,
} from './destinations.ts';

function ok(url: string): BrokerDestination {
  const parsed = parseBrokerUrl(url);
  assert.ok('destination' in parsed, `${url}: ${JSON.stringify(parsed)}`);
  return parsed.destination;
}

function problems(url: string): DestinationProblem[] {
  const parsed = parseBrokerUrl(url);
  assert.ok('problems' in parsed, `${url} should be refused`);
  return parsed.problems;
}

const fields = (url: string): string[] => problems(url).map((p) => p.field);

describe('destinationKind and isBrokerUrl', () => {
  it('reads the scheme, in any case, and accepts only the known ones', () => {
    const kinds: [string, string | undefined][] = [
      ['https://a.example/x', 'http'], ['HTTP://a.example', 'http'],
      ['amqp://h?routing_key=q', 'amqp'], ['AMQPS://h', 'amqp'], ['nats://h', 'nats'], ['tls://h', 'nats'],
      ['redis://h', 'redis'], ['rediss://h', 'redis'], ['mqtt://h', 'mqtt'], ['mqtts://h', 'mqtt'],
      ['ftp://h/x', undefined], ['ws://h', undefined], ['wss://h', undefined], ['kafka://h', undefined], ['no scheme', undefined], [':x', undefined],
    ];
    for (const [url, kind] of kinds) assert.equal(destinationKind(url), kind, url);
    assert.equal(isBrokerUrl('https://a.example'), false);
    assert.equal(isBrokerUrl('ftp://a.example'), false);
    assert.equal(isBrokerUrl('mqtts://h?topic=t'), true);
  });
});

describe('parseBrokerUrl: amqp', () => {
  it('reads credentials, host, port, vhost, exchange and routing key', () => {
    const d = ok('amqp://user:p%40ss@rabbit.example:5673/prod?exchange=events&routing_key=orders.paid');
    assert.deepEqual(d, {
      url: 'amqp://user:p%40ss@rabbit.example:5673/prod?exchange=events&routing_key=orders.paid', protocol: 'amqp:', tls: false,
      host: 'rabbit.example', port: 5673, username: 'user', password: 'p@ss', kind: 'amqp', vhost: 'prod', exchange: 'events', routingKey: 'orders.paid',
    });
  });

  it('defaults: vhost "/", the default exchange, port 5672 (5671 with TLS)', () => {
    const d = ok('amqp://rabbit.example?routing_key=q');
    assert.equal(d.kind, 'amqp');
    if (d.kind !== 'amqp') return;
    assert.deepEqual([d.vhost, d.exchange, d.port, d.tls, d.username, d.password], ['/', '', 5672, false, '', '']);
    const s = ok('amqps://rabbit.example/?routing_key=q');
    assert.deepEqual([s.port, s.tls, s.protocol], [5671, true, 'amqps:']);
    if (s.kind === 'amqp') assert.equal(s.vhost, '/');
    const encoded = ok('amqp://rabbit.example/%2Fstaging?routing_key=q');
    if (encoded.kind === 'amqp') assert.equal(encoded.vhost, '/staging', 'the vhost is percent-decoded');
  });

  it('names each bad parameter', () => {
    assert.deepEqual(fields('amqp://rabbit.example'), ['url.routing_key']);
    assert.deepEqual(fields('amqp://rabbit.example?routing_key='), ['url.routing_key']);
    assert.deepEqual(fields('amqp://rabbit.example?routing_key=a%20b'), ['url.routing_key']);
    assert.deepEqual(fields('amqp://rabbit.example?routing_key=q&exchange=a%20b'), ['url.exchange']);
    assert.deepEqual(fields('amqp://rabbit.example?routing_key=q&routing_key=r'), ['url.routing_key']);
    assert.deepEqual(fields('amqp://rabbit.example?routing_key=q&subject=x'), ['url.subject']);
    assert.match(problems('amqp://rabbit.example?routing_key=q&topic=x')[0]!.message, /exchange, routing_key/);
    assert.deepEqual(fields('amqp://rabbit.example?routing_key=q#frag'), ['url']);
  });
});

describe('parseBrokerUrl: nats', () => {
  it('reads the subject; port 4222; tls:// is NATS over TLS', () => {
    const d = ok('nats://nats.example?subject=orders.paid');
    assert.deepEqual([d.kind, d.port, d.tls, d.kind === 'nats' && d.subject], ['nats', 4222, false, 'orders.paid']);
    const t = ok('tls://token@nats.example:4443?subject=a');
    assert.deepEqual([t.kind, t.port, t.tls, t.username], ['nats', 4443, true, 'token']);
  });

  it('refuses a missing subject, wildcards, spaces, a path, another parameter', () => {
    assert.deepEqual(fields('nats://nats.example'), ['url.subject']);
    for (const subject of ['orders.*', 'orders.>', 'a..b', '.a', 'a%20b']) assert.deepEqual(fields(`nats://nats.example?subject=${subject}`), ['url.subject'], subject);
    assert.deepEqual(fields('nats://nats.example/orders?subject=a'), ['url']);
    assert.deepEqual(fields('nats://nats.example?subject=a&stream=s'), ['url.stream']);
  });
});

describe('parseBrokerUrl: redis', () => {
  it('reads the stream, the database and maxlen; port 6379; rediss is TLS', () => {
    const d = ok('redis://:s3cret@redis.example/3?stream=orders&maxlen=10000');
    assert.equal(d.kind, 'redis');
    if (d.kind !== 'redis') return;
    assert.deepEqual([d.db, d.stream, d.maxlen, d.port, d.username, d.password, d.tls], [3, 'orders', 10000, 6379, '', 's3cret', false]);
    const plain = ok('rediss://redis.example?stream=s');
    if (plain.kind === 'redis') assert.deepEqual([plain.db, plain.maxlen, plain.tls, plain.port], [0, null, true, 6379]);
  });

  it('names each bad parameter', () => {
    assert.deepEqual(fields('redis://redis.example'), ['url.stream']);
    for (const maxlen of ['0', '-1', '1.5', 'ten', '1000000001', '']) assert.deepEqual(fields(`redis://redis.example?stream=s&maxlen=${maxlen}`), ['url.maxlen'], maxlen);
    for (const db of ['16', 'x', '1/2', '-1']) assert.deepEqual(fields(`redis://redis.example/${db}?stream=s`), ['url'], db);
    assert.deepEqual(fields('redis://redis.example?stream=s&topic=t'), ['url.topic']);
  });
});

describe('parseBrokerUrl: mqtt', () => {
  it('reads the topic and qos (1 by default); ports 1883 and 8883', () => {
    const d = ok('mqtt://broker.example?topic=relais/orders');
    assert.deepEqual([d.kind, d.port, d.tls, d.kind === 'mqtt' && d.topic, d.kind === 'mqtt' && d.qos], ['mqtt', 1883, false, 'relais/orders', 1]);
    const s = ok('mqtts://u:p@broker.example?topic=t&qos=0');
    assert.deepEqual([s.port, s.tls, s.kind === 'mqtt' && s.qos, s.username, s.password], [8883, true, 0, 'u', 'p']);
    const two = ok('mqtt://broker.example:1884?topic=t&qos=2');
    assert.deepEqual([two.port, two.kind === 'mqtt' && two.qos], [1884, 2]);
  });

  it('names each bad parameter', () => {
    assert.deepEqual(fields('mqtt://broker.example'), ['url.topic']);
    for (const topic of ['a/%2B/b', 'a/%23']) assert.deepEqual(fields(`mqtt://broker.example?topic=${topic}`), ['url.topic'], topic);
    for (const qos of ['3', '-1', 'x', '']) assert.deepEqual(fields(`mqtt://broker.example?topic=t&qos=${qos}`), ['url.qos'], qos);
    assert.deepEqual(fields('mqtt://broker.example/x?topic=t'), ['url']);
  });
});

describe('parseBrokerUrl: any scheme', () => {
  it('refuses what is not a broker URL, and a URL without a host', () => {
    assert.deepEqual(fields('not a url'), ['url']);
    assert.deepEqual(fields('https://a.example/x'), ['url']);
    assert.deepEqual(fields('ftp://a.example/x'), ['url']);
    assert.ok(fields('amqp:///vhost?routing_key=q').includes('url'));
  });

  it('names every problem at once', () => {
    assert.deepEqual(fields('mqtt://broker.example/p?qos=5&retain=1').sort(), ['url', 'url.qos', 'url.retain', 'url.topic']);
  });
});

describe('a URL\'s password, redacted and sealed apart', () => {
  it('redactUrlPassword replaces the password only, the rest as written', () => {
    assert.equal(redactUrlPassword('amqp://user:pw@rabbit.example:5672/v?exchange=e&routing_key=k'), 'amqp://user:[redacted]@rabbit.example:5672/v?exchange=e&routing_key=k');
    assert.equal(redactUrlPassword('redis://:pw@redis.example/0?stream=s'), 'redis://:[redacted]@redis.example/0?stream=s');
    assert.equal(redactUrlPassword('mqtt://user@broker.example?topic=t'), 'mqtt://user@broker.example?topic=t', 'a user without password shows');
    assert.equal(redactUrlPassword('nats://nats.example?subject=a@b'), 'nats://nats.example?subject=a@b', 'an @ in the query is not user info');
    assert.equal(redactUrlPassword('https://a.example/x'), 'https://a.example/x');
    assert.equal(redactUrlPassword('not a url'), 'not a url');
    assert.equal(redactUrlPassword('amqp://u:pw@h?routing_key=q', '***'), 'amqp://u:***@h?routing_key=q');
  });

  it('finds the password as the URL parser does: an @ in it, the last @ of the authority', () => {
    const url = 'amqp://user:p@ss:w@rabbit.example/v?routing_key=q';
    assert.equal(new URL(url).hostname, 'rabbit.example');
    assert.equal(redactUrlPassword(url), 'amqp://user:[redacted]@rabbit.example/v?routing_key=q');
    assert.equal(redactUrlPassword('amqp://u:pw@h/v?routing_key=a@b'), 'amqp://u:[redacted]@h/v?routing_key=a@b');
  });

  it('splitUrlPassword and joinUrlPassword give the URL back exactly', () => {
    for (const url of [
      'amqp://user:p%40ss@rabbit.example:5672/v?exchange=e&routing_key=k',
      'amqps://user:p@ss@rabbit.example/?routing_key=k',
      'redis://:s3cret@redis.example/2?stream=s&maxlen=10',
      'mqtts://u:%5Bredacted%5Dx@broker.example?topic=t',
      'tls://u:pw@nats.example?subject=a',
    ]) {
      const split = splitUrlPassword(url);
      assert.ok(split.password !== null && !split.url.includes(split.password), `${url} → ${split.url}`);
      assert.equal(split.url, redactUrlPassword(url));
      assert.equal(joinUrlPassword(split.url, split.password), url);
    }
    assert.deepEqual(splitUrlPassword('mqtt://u@broker.example?topic=t'), { url: 'mqtt://u@broker.example?topic=t', password: null });
    assert.deepEqual(splitUrlPassword('https://a.example/x'), { url: 'https://a.example/x', password: null });
  });

  it('hasMarkedPassword: a URL sent back as shown', () => {
    assert.equal(hasMarkedPassword('amqp://u:[redacted]@h?routing_key=q'), true);
    assert.equal(hasMarkedPassword('amqp://u:%5Bredacted%5D@h?routing_key=q'), true);
    assert.equal(hasMarkedPassword('amqp://u:pw@h?routing_key=q'), false);
    assert.equal(hasMarkedPassword('amqp://u@h?routing_key=q'), false);
    assert.equal(hasMarkedPassword('https://a.example/[redacted]'), false);
  });

  it('urlConnection: scheme, user, host and port, the default port filled in', () => {
    assert.equal(urlConnection('amqp://u:pw@Rabbit.example/v?routing_key=q'), urlConnection('amqp://u:[redacted]@rabbit.example:5672/other?routing_key=r'));
    assert.notEqual(urlConnection('amqp://u:pw@rabbit.example?routing_key=q'), urlConnection('amqp://u:pw@evil.example?routing_key=q'));
    assert.notEqual(urlConnection('amqp://u:pw@rabbit.example?routing_key=q'), urlConnection('amqp://v:pw@rabbit.example?routing_key=q'));
    assert.notEqual(urlConnection('amqp://u:pw@rabbit.example?routing_key=q'), urlConnection('amqps://u:pw@rabbit.example?routing_key=q'));
  });
});
