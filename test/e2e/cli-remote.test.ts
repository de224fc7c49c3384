// The remote commands as a user runs them: the built `relais` (bin/relais.js, `npm run build`
// first) against a real Relais on SQLite, started in this process, delivering to real loopback
// receivers. Exit codes are part of the contract: 0 done, 1 failed, 2 usage.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, startRelais, type TestRelais } from '../helpers/relais.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '../helpers/wait.ts';

const BIN = new URL('../../bin/relais.js', import.meta.url).pathname;

interface Ended { code: number | null; stdout: string; stderr: string }

function envOf(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('RELAIS_') && name !== 'DATABASE_URL' && name !== 'NO_COLOR');
  return { ...Object.fromEntries(inherited), ...env };
}

/** Runs the command to its end, `input` on its stdin. */
function runCli(args: string[], env: Record<string, string>, input?: string | Buffer): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, ...args], { env: envOf(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    proc.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.on('error', reject);
    proc.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    proc.stdin.end(input ?? '');
  });
}

interface LiveCli {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout or stderr matches. */
  waitFor(what: string, pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | string>;
  /** Sends the signal and waits for the exit (code, or the signal's name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts a long-running command (tail, listen). */
function startCli(args: string[], env: Record<string, string>): LiveCli {
  const proc = spawn(process.execPath, [BIN, ...args], { env: envOf(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString('utf8'); });
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    proc, exited,
    stdout: () => out,
    stderr: () => err,
    waitFor: (what, pattern, timeoutMs = 10_000) => waitFor(what, () => pattern.exec(out) ?? pattern.exec(err) ?? undefined, timeoutMs)
      .catch((e: Error) => { throw new Error(`${e.message}\nstdout: ${out}\nstderr: ${err}`); }),
    async stop(signal = 'SIGINT') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

const REMOTE = ['tenants', 'tokens', 'event-types', 'webhooks', 'deliveries', 'emit', 'tail', 'resend', 'recover', 'link', 'verify', 'listen'];
const EVERY_COMMAND = [
  ...['serve', 'migrate', 'send', 'import', 'rotate-key', 'backup'].map((c) => [c]),
  ...['list', 'create', 'get'].map((c) => ['tenants', c]),
  ...['create', 'list', 'revoke'].map((c) => ['tokens', c]),
  ...['import', 'list'].map((c) => ['event-types', c]),
  ...['list', 'create', 'get', 'enable', 'disable', 'delete', 'secret'].map((c) => ['webhooks', c]),
  ...['list', 'get'].map((c) => ['deliveries', c]),
  ...REMOTE.filter((c) => !['tenants', 'tokens', 'event-types', 'webhooks', 'deliveries'].includes(c)).map((c) => [c]),
];

describe('relais CLI: help', () => {
  it('lists the remote commands', async () => {
    const ended = await runCli(['--help'], {});
    assert.equal(ended.code, 0, ended.stderr);
    for (const command of REMOTE) assert.match(ended.stdout, new RegExp(`^  ${command}\\b`, 'm'), command);
    assert.match(ended.stdout, /RELAIS_URL and RELAIS_TOKEN/);
  });

  it('answers --help for every command, exit 0', async () => {
    for (const command of EVERY_COMMAND) {
      const ended = await runCli([...command, '--help'], {});
      assert.equal(ended.code, 0, `${command.join(' ')}: ${ended.stderr}`);
      assert.match(ended.stdout, new RegExp(`^Usage: relais ${command.join(' ')}`, 'm'));
    }
  });
});

describe('relais CLI: remote commands against a running Relais', () => {
  let t: TestRelais;
  let receiver: Receiver;
  let app: Receiver;
  let env: Record<string, string>;
  let dir: string;
  const cli = (args: string[], input?: string): Promise<Ended> => runCli(args, env, input);
  /** Runs the command, expects exit 0, answers its --json output parsed. */
  const json = async <T = Record<string, unknown>>(...args: string[]): Promise<T> => {
    const ended = await cli([...args, '--json']);
    assert.equal(ended.code, 0, `${args.join(' ')}: ${ended.stderr}`);
    return JSON.parse(ended.stdout) as T;
  };

  before(async () => {
    t = await startRelais('sqlite');
    receiver = await startReceiver();
    app = await startReceiver(() => ({ status: 201, body: 'app ok' }));
    env = { RELAIS_URL: t.url, RELAIS_TOKEN: ADMIN_TOKEN };
    dir = mkdtempSync(join(tmpdir(), 'relais-cli-remote-'));
  });
  after(async () => {
    await t.close();
    await receiver.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 on usage errors, naming the variable or flag', async () => {
    const noToken = await runCli(['tenants', 'list'], { RELAIS_URL: t.url });
    assert.equal(noToken.code, 2);
    assert.equal(noToken.stderr, 'relais: no token: set RELAIS_TOKEN or pass --token (the admin token, or a tenant\'s)\n');
    const noUrl = await runCli(['tenants', 'list'], { RELAIS_TOKEN: ADMIN_TOKEN });
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /^relais: no Relais to speak to: set RELAIS_URL or pass --url/);
    const flags = await runCli(['tenants', 'list', '--url', t.url, '--token', ADMIN_TOKEN, '--json'], {});
    assert.equal(flags.code, 0, flags.stderr);
    const unknownOption = await cli(['tenants', 'list', '--bogus']);
    assert.equal(unknownOption.code, 2);
    assert.match(unknownOption.stderr, /unknown option '--bogus'/);
    const missingArgument = await cli(['emit', 'acme']);
    assert.equal(missingArgument.code, 2);
    const badStatus = await cli(['deliveries', 'list', 'acme', '--status', 'lost']);
    assert.equal(badStatus.code, 2);
    assert.match(badStatus.stderr, /^relais: --status: "lost" is not one of/);
  });

  it('exits 1 with the problem line when the API refuses', async () => {
    const ended = await cli(['tenants', 'get', 'ghost']);
    assert.equal(ended.code, 1);
    assert.match(ended.stderr, /^relais: 404 [^:\n]+: [^\n]+\n$/);
    const badToken = await runCli(['tenants', 'list'], { RELAIS_URL: t.url, RELAIS_TOKEN: 'wrong' });
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /^relais: 401 /);
  });

  it('creates, lists and shows tenants; creates, lists and revokes tokens; makes a sign-in link', async () => {
    const created = await json<{ id: string; name: string }>('tenants', 'create', 'acme', '--name', 'Acme');
    assert.deepEqual([created.id, created.name], ['acme', 'Acme']);
    await json('tenants', 'create', 'globex');
    const page = await json<{ data: { id: string }[] }>('tenants', 'list');
    assert.deepEqual(page.data.map((x) => x.id), ['acme', 'globex']);
    const human = await cli(['tenants', 'list']);
    assert.match(human.stdout, /^ID\s+NAME/m);
    assert.match(human.stdout, /^acme\s+Acme/m);
    assert.equal((await json<{ id: string }>('tenants', 'get', 'acme')).id, 'acme');
    const taken = await cli(['tenants', 'create', 'acme']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /^relais: 409 .*: id: /m);

    const token = await json<{ id: string; token: string }>('tokens', 'create', 'acme', '--name', 'zapier');
    const plain = await cli(['tokens', 'create', 'acme']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^\S+\n$/, 'only the token on stdout');
    const tokens = await json<{ data: { id: string; name: string | null }[] }>('tokens', 'list', 'acme');
    assert.ok(tokens.data.some((x) => x.id === token.id && x.name === 'zapier'));
    const asTenant = await runCli(['tenants', 'get', 'acme', '--json'], { RELAIS_URL: t.url, RELAIS_TOKEN: token.token });
    assert.equal(asTenant.code, 0, asTenant.stderr);
    assert.equal((await cli(['tokens', 'revoke', 'acme', token.id])).code, 0);
    const revoked = await runCli(['tenants', 'get', 'acme'], { RELAIS_URL: t.url, RELAIS_TOKEN: token.token });
    assert.equal(revoked.code, 1);
    assert.match(revoked.stderr, /^relais: 401 /);

    const link = await cli(['link', 'acme', '--expires-in', '15m']);
    assert.equal(link.code, 0, link.stderr);
    assert.match(link.stdout, /^http:\/\/\S+signin\S*\n$/);
  });

  it('imports event types from a file, a list and a directory', async () => {
    const types = join(dir, 'types');
    rmSync(types, { recursive: true, force: true });
    writeFileSync(join(dir, 'one.json'), JSON.stringify({ name: 'order.paid', example: { order: 1 } }));
    await import('node:fs').then((fs) => fs.mkdirSync(types));
    writeFileSync(join(types, 'a.json'), JSON.stringify([{ name: 'order.shipped' }, { name: 'listen.event' }]));
    writeFileSync(join(types, 'b.json'), JSON.stringify({ event_types: [{ name: 'order.refunded' }] }));
    writeFileSync(join(types, 'notes.txt'), 'not json, not read');
    const done = await json<{ created: string[]; updated: string[] }>('event-types', 'import', join(dir, 'one.json'), types);
    assert.deepEqual(done, { created: ['order.paid', 'order.shipped', 'listen.event', 'order.refunded'], updated: [] });
    const again = await json<{ created: string[]; updated: string[] }>('event-types', 'import', join(dir, 'one.json'));
    assert.deepEqual(again, { created: [], updated: ['order.paid'] });
    const guide = await json<{ created: string[] }>('event-types', 'import', new URL('../../docs/guides/creads/catalog.json', import.meta.url).pathname);
    assert.ok(guide.created.length > 0);
    writeFileSync(join(dir, 'bad.json'), '{"name": ');
    const bad = await cli(['event-types', 'import', join(dir, 'bad.json')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.json is not valid JSON/);
  });

  let webhookId = '';
  let secret = '';
  let paidEventId = '';

  it('creates, lists, disables and enables webhooks', async () => {
    const hook = await json<{ id: string; secret: string; enabled: boolean }>('webhooks', 'create', 'acme', '--target', `${receiver.url}/hooks`, '--events', 'order.*', '--description', 'orders');
    assert.match(hook.secret, /^whsec_/);
    webhookId = hook.id;
    secret = hook.secret;
    const list = await json<{ data: { id: string }[] }>('webhooks', 'list', 'acme');
    assert.deepEqual(list.data.map((w) => w.id), [webhookId]);
    assert.equal((await json<{ enabled: boolean }>('webhooks', 'disable', 'acme', webhookId)).enabled, false);
    assert.equal((await json<{ enabled: boolean }>('webhooks', 'enable', 'acme', webhookId)).enabled, true);
    assert.equal((await json<{ secret: string }>('webhooks', 'secret', 'acme', webhookId)).secret, secret);
    const noTarget = await cli(['webhooks', 'create', 'acme', '--events', 'order.*']);
    assert.equal(noTarget.code, 2);
    const badUrl = await cli(['webhooks', 'create', 'acme', '--target', 'not a url', '--events', 'order.*']);
    assert.equal(badUrl.code, 1);
    assert.match(badUrl.stderr, /^relais: 422 .*: url: /m);
  });

  it('emits through the API with an idempotency id: the same id twice stores one event', async () => {
    writeFileSync(join(dir, 'data.json'), '{"order": 42, "big": 12345678901234567890}');
    const first = await json<{ id: string; deliveries: number; duplicate: boolean; idempotency_id: string }>('emit', 'acme', 'order.paid', '--data', `@${join(dir, 'data.json')}`, '--id', 'order-42-paid');
    assert.deepEqual([first.deliveries, first.duplicate, first.idempotency_id], [1, false, 'order-42-paid']);
    const second = await json<{ id: string; duplicate: boolean }>('emit', 'acme', 'order.paid', '--data', `@${join(dir, 'data.json')}`, '--id', 'order-42-paid');
    assert.deepEqual([second.id, second.duplicate], [first.id, true]);
    paidEventId = first.id;
    await waitFor('the delivery', () => receiver.received.length >= 1);
    assert.equal(receiver.received.length, 1);
    assert.match(receiver.received[0]!.body, /"big":12345678901234567890/, 'numbers as written');

    const generated = await cli(['emit', 'acme', 'order.shipped', '--data', '{"order": 43}']);
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(generated.stdout, /accepted: 1 delivery, id cli_/);
    assert.match(generated.stderr, /pass --id cli_\S+ to send it again safely/);
    const fromStdin = await cli(['emit', 'acme', 'order.paid', '--data', '@-', '--json'], '{"order": 44}');
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    const unknownType = await cli(['emit', 'acme', 'nope.event']);
    assert.equal(unknownType.code, 1);
    assert.match(unknownType.stderr, /^relais: 422 .*: type: /m);
    await waitFor('three deliveries', () => receiver.received.length >= 3);
  });

  it('lists deliveries filtered, shows one, and resends it', async () => {
    const all = await json<{ data: { id: string; status: string; event_type: string }[]; next_cursor: string | null }>('deliveries', 'list', 'acme', '--webhook', webhookId, '--since', '1h');
    assert.equal(all.data.length, 3);
    const paid = await json<{ data: { id: string; event_type: string; event_id: string }[] }>('deliveries', 'list', 'acme', '--event-type', 'order.paid', '--status', 'succeeded');
    assert.equal(paid.data.length, 2);
    paid.data.sort((a, b) => Number(b.event_id === paidEventId) - Number(a.event_id === paidEventId)); // the event emitted twice first
    assert.ok(paid.data.every((d) => d.event_type === 'order.paid'));
    const none = await json<{ data: unknown[] }>('deliveries', 'list', 'acme', '--until', '2000-01-01T00:00:00Z');
    assert.deepEqual(none.data, []);
    const human = await cli(['deliveries', 'list', 'acme', '--limit', '1']);
    assert.match(human.stdout, /^ID\s+STATUS/m);
    assert.match(human.stderr, /^more: --before \S+/m);

    const detail = await json<{ id: string; attempts: unknown[] }>('deliveries', 'get', 'acme', paid.data[0]!.id);
    assert.equal(detail.attempts.length, 1);
    const before = receiver.received.length;
    const resent = await json<{ id: string; webhook_id: string }>('resend', 'acme', paid.data[0]!.id);
    assert.notEqual(resent.id, paid.data[0]!.id);
    // A resend keeps the message's webhook-id: the receiver sees the same message again.
    await waitFor('the resent delivery', () => receiver.received.length > before);
    assert.equal(receiver.received.at(-1)!.headers['webhook-id'], paid.data[0]!.id);
    const ofEvent = await json<{ data: { event_id: string; origin: string }[] }>('deliveries', 'list', 'acme', '--event', paidEventId);
    assert.deepEqual(ofEvent.data.map((d) => [d.event_id, d.origin]).sort(), [[paidEventId, 'event'], [paidEventId, 'resend']]);
  });

  it('verifies a signature from the terminal: valid exits 0, tampered exits 1 with the reason', async () => {
    const request = receiver.received[0]!;
    const headerLines = ['POST /hooks HTTP/1.1', ...Object.entries(request.headers).map(([k, v]) => `${k}: ${String(v)}`)].join('\r\n');
    writeFileSync(join(dir, 'headers.txt'), headerLines);
    const valid = await cli(['verify', '--secret', secret, '--headers', join(dir, 'headers.txt')], request.body);
    assert.equal(valid.code, 0, valid.stderr);
    assert.equal(valid.stdout, 'valid (standard)\n');
    const tampered = await cli(['verify', '--secret', secret, '--headers', join(dir, 'headers.txt')], request.body.replace('42', '43'));
    assert.equal(tampered.code, 1);
    assert.match(tampered.stderr, /^relais: invalid \(standard\): no_matching_signature: /);
    const wrongSecret = await cli(['verify', '--secret', 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '--headers', join(dir, 'headers.txt'), '--json'], request.body);
    assert.equal(wrongSecret.code, 1);
    assert.equal((JSON.parse(wrongSecret.stdout) as { reason: string }).reason, 'no_matching_signature');
    writeFileSync(join(dir, 'headers.json'), JSON.stringify(request.headers));
    writeFileSync(join(dir, 'body.json'), request.body);
    const jsonHeaders = await cli(['verify', '--secret', 'whsec_other0000000000000000000000', '--secret', secret, '--headers', join(dir, 'headers.json'), '--body', join(dir, 'body.json')]);
    assert.equal(jsonHeaders.code, 0, jsonHeaders.stderr);
    const old = await cli(['verify', '--secret', secret, '--headers', join(dir, 'headers.txt'), '--tolerance', '0'], request.body);
    // The request is a few seconds old at most: with no tolerance it may or may not pass; what matters is a reason when it fails.
    if (old.code === 1) assert.match(old.stderr, /timestamp_too_old/);
    const noSecret = await cli(['verify', '--headers', join(dir, 'headers.txt')], request.body);
    assert.equal(noSecret.code, 2);
  });

  it('verifies the frappe scheme', async () => {
    const frappe = await json<{ id: string; secret: string }>('webhooks', 'create', 'globex', '--target', `${receiver.url}/frappe`, '--events', 'order.refunded', '--body', JSON.stringify({ signature_scheme: 'frappe', secret: 'frappe-secret-text' }));
    await json('emit', 'globex', 'order.refunded', '--data', '{"n": 1}');
    const request = await waitFor('the frappe delivery', () => receiver.received.find((r) => r.path === '/frappe'));
    const onlyFrappe = Object.entries(request.headers).filter(([k]) => !k.startsWith('webhook-'));
    writeFileSync(join(dir, 'frappe.txt'), onlyFrappe.map(([k, v]) => `${k}: ${String(v)}`).join('\n'));
    const valid = await cli(['verify', '--secret', frappe.secret, '--headers', join(dir, 'frappe.txt')], request.body);
    assert.equal(valid.code, 0, valid.stderr);
    assert.equal(valid.stdout, 'valid (frappe)\n');
    const tampered = await cli(['verify', '--secret', frappe.secret, '--headers', join(dir, 'frappe.txt'), '--scheme', 'frappe'], `${request.body} `);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stderr, /no_matching_signature/);
  });

  it('recovers a webhook\'s failed deliveries in a window', async () => {
    const failing = await json<{ id: string }>('webhooks', 'create', 'acme', '--target', `${receiver.url}/down`, '--events', 'order.refunded', '--body', '{"retry": {"mode": "none"}}');
    receiver.respond = (req) => ({ status: req.path === '/down' ? 500 : 200, body: 'x' });
    await json('emit', 'acme', 'order.refunded', '--data', '{"n": 1}');
    await json('emit', 'acme', 'order.refunded', '--data', '{"n": 2}');
    await waitFor('two failed deliveries', async () => (await t.call<{ data: unknown[] }>('GET', `/v1/tenants/acme/deliveries?webhook=${failing.id}&status=failed`)).body.data.length === 2);
    receiver.respond = () => ({ status: 200, body: 'ok' });
    const recovered = await json<{ count: number; resent: number; next_since: null }>('recover', 'acme', failing.id, '--since', '1h');
    assert.equal(recovered.count, 2);
    assert.equal(recovered.next_since, null);
    await waitFor('both succeeded', async () => (await t.call<{ data: unknown[] }>('GET', `/v1/tenants/acme/deliveries?webhook=${failing.id}&status=succeeded`)).body.data.length === 2);
    const human = await cli(['recover', 'acme', failing.id, '--since', '1h']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^0 deliveries queued/);
    const noSince = await cli(['recover', 'acme', failing.id]);
    assert.equal(noSince.code, 2);
    assert.match(noSince.stderr, /--since/);
  });

  it('tails the delivery log: a new delivery\'s line within seconds, then a clean stop on SIGINT', async () => {
    const tail = startCli(['tail', 'acme', '--interval', '200'], env);
    try {
      await tail.waitFor('tail to start', /following acme's deliveries/);
      await new Promise((r) => setTimeout(r, 500)); // its first poll notes what is there
      assert.doesNotMatch(tail.stdout(), /dlv_/, 'existing deliveries are not printed');
      const sent = await t.call<{ id: string }>('POST', '/v1/tenants/acme/events', { type: 'order.shipped', data: { order: 99 } });
      const delivery = await waitFor('the delivery', async () => (await t.call<{ data: { id: string; event_id: string }[] }>('GET', '/v1/tenants/acme/deliveries?event_type=order.shipped')).body.data.find((d) => d.event_id === sent.body.id));
      await tail.waitFor('its line', new RegExp(`${delivery.id} order\\.shipped → ${webhookId} succeeded 200`), 5_000);
      assert.doesNotMatch(tail.stdout(), /\u001b\[/, 'no colour when not a terminal');
    } finally {
      assert.equal(await tail.stop('SIGINT'), 0);
    }
  });

  it('listens: a temporary webhook to a local receiver, each delivery verified and forwarded, deleted on SIGINT', async () => {
    const listen = startCli(['listen', 'acme', '--events', 'listen.event', '--forward-to', `${app.url}/app/hooks`], env);
    let temporary = '';
    try {
      temporary = (await listen.waitFor('listen to be ready', /temporary webhook (wh_\S+),/))[1]!;
      const hook = await t.call<{ url: string; events: string[]; description: string }>('GET', `/v1/tenants/acme/webhooks/${temporary}`);
      assert.deepEqual(hook.body.events, ['listen.event']);
      assert.match(hook.body.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.match(hook.body.description, /temporary/);

      await t.call('POST', '/v1/tenants/acme/events', { type: 'listen.event', data: { hello: 'world' } });
      const line = await listen.waitFor('the delivery printed', /^.*(dlv_\S+) listen\.event verified → app 201$/m, 10_000);
      const forwarded = await waitFor('the forwarded request', () => app.received[0]);
      assert.equal(forwarded.path, '/app/hooks');
      assert.equal(forwarded.method, 'POST');
      assert.equal(forwarded.headers['webhook-id'], line[1]);
      assert.deepEqual((JSON.parse(forwarded.body) as { data: unknown }).data, { hello: 'world' });
      const delivery = await waitFor('the delivery to succeed with the app\'s answer', async () => {
        const d = await t.call<{ status: string; last_status_code: number | null }>('GET', `/v1/tenants/acme/deliveries/${line[1]}`);
        return d.body.status === 'succeeded' ? d.body : undefined;
      });
      assert.equal(delivery.last_status_code, 201);
    } finally {
      assert.equal(await listen.stop('SIGINT'), 0, listen.stderr());
    }
    assert.match(listen.stderr(), new RegExp(`deleted the temporary webhook ${temporary}`));
    assert.equal((await t.call('GET', `/v1/tenants/acme/webhooks/${temporary}`)).status, 404);
  });

  it('listen says why when Relais may not deliver to loopback (RELAIS_ALLOW_TARGETS)', async () => {
    const guarded = await startRelais('sqlite', { RELAIS_ALLOW_TARGETS: '', RELAIS_RETRY_SCHEDULE: '0' });
    const guardedEnv = { RELAIS_URL: guarded.url, RELAIS_TOKEN: ADMIN_TOKEN };
    await guarded.call('POST', '/v1/tenants', { id: 'acme', name: 'Acme' });
    await guarded.call('POST', '/v1/event-types', { name: 'listen.event' });
    const listen = startCli(['listen', 'acme', '--events', 'listen.event'], guardedEnv);
    try {
      await listen.waitFor('listen to be ready, or refused', /temporary webhook wh_|refused the webhook/);
      if (/temporary webhook/.test(listen.stderr())) {
        await guarded.call('POST', '/v1/tenants/acme/events', { type: 'listen.event', data: {} });
        await listen.waitFor('the hint', /RELAIS_ALLOW_TARGETS=127\.0\.0\.1/, 10_000);
        assert.match(listen.stderr(), /could not deliver to http:\/\/127\.0\.0\.1:\d+\/: .*RELAIS_ALLOW_TARGETS/);
      } else {
        // A Relais that refuses loopback targets when the webhook is made: exit 1 with the 422's field and the hint.
        assert.equal(await listen.exited, 1);
        assert.match(listen.stderr(), /url: .*\n.*RELAIS_ALLOW_TARGETS/);
      }
    } finally {
      await listen.stop('SIGINT');
      await guarded.close();
    }
  });
});
