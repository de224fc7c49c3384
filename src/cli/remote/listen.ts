// `relais listen <tenant>`: receive a tenant's webhooks on this machine while developing, as
// Stripe's and Svix's `listen` do, for a self-hosted Relais. It starts a receiver on 127.0.0.1,
// registers a temporary webhook for the tenant's events pointing at it (its description says so),
// prints each delivery as it arrives, verified with that webhook's secret, optionally forwards it
// to a local app, and deletes the webhook on SIGINT or SIGTERM.
//
// Relais refuses to deliver to loopback addresses unless its RELAIS_ALLOW_TARGETS allows them
// (its SSRF guard): a refusal, at creation or on the first delivery, is reported with that hint.
// When Relais runs on another machine, --public-url names an address of this receiver it can
// reach (a tunnel to the port).
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Relais } from 'relais-sdk';
import { clientOf, type RemoteOptions } from './connection.ts';
import { list } from './input.ts';
import { startListenReceiver, type Arrival } from './listen-receiver.ts';
import { paint } from './output.ts';
import { UsageError } from './usage-error.ts';

export interface ListenOptions extends RemoteOptions {
  events?: string;
  forwardTo?: string;
  port?: string;
  publicUrl?: string;
  printBody?: boolean;
}

const ALLOW_HINT = 'Relais refuses loopback and private targets unless they are allowed: start it with RELAIS_ALLOW_TARGETS=127.0.0.1 (or a CIDR), or pass --public-url with an address it may reach';

function arrivalLine(a: Arrival, printBody: boolean): string {
  let type = '';
  try {
    type = String((JSON.parse(a.body) as { type?: unknown }).type ?? '');
  } catch { /* not JSON (a form, a template's text) */ }
  const check = a.verified ? paint('green', 'verified') : paint('red', `NOT VERIFIED (${a.reason})`);
  const fwd = a.forwarded === undefined ? '' : 'status' in a.forwarded ? ` → app ${a.forwarded.status >= 400 ? paint('red', String(a.forwarded.status)) : paint('green', String(a.forwarded.status))}` : ` → app ${paint('red', `unreachable: ${a.forwarded.error}`)}`;
  const time = paint('dim', new Date().toISOString().slice(11, 23));
  return `${time} ${a.method} ${a.messageId ?? '(no webhook-id)'} ${type} ${check}${fwd}${printBody ? `\n${a.body}` : ''}`;
}

function arrivalJson(a: Arrival): string {
  return JSON.stringify({ message_id: a.messageId, method: a.method, headers: a.headers, body: a.body, verified: a.verified, reason: a.reason ?? null, forwarded: a.forwarded ?? null });
}

/** The first refusal by the SSRF guard among the webhook's failed deliveries, if any (checked while nothing arrives). */
async function blockedMessage(relais: Relais, tenant: string, webhook: string, arrived: ReadonlySet<string>): Promise<string | undefined> {
  const page = await relais.deliveries.list(tenant, { webhook, limit: 10 });
  for (const d of page.data) {
    if (d.attempt_count === 0 || arrived.has(d.id) || d.last_status_code !== null) continue;
    const detail = await relais.deliveries.get(tenant, d.id);
    const blocked = detail.attempts.find((a) => a.error?.kind === 'blocked');
    if (blocked) return blocked.error!.message;
  }
  return undefined;
}

export async function listen(tenant: string, options: ListenOptions): Promise<void> {
  const relais = clientOf(options);
  const events = options.events === undefined ? ['*'] : list(options.events);
  if (events.length === 0) throw new UsageError('--events: give at least one event type (or leave it out for every event)');
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port: "${options.port}" is not a port number`);
  if (options.forwardTo !== undefined && !/^https?:\/\//.test(options.forwardTo)) throw new UsageError(`--forward-to: "${options.forwardTo}" is not an http(s) URL`);
  if (options.publicUrl !== undefined && !/^https?:\/\//.test(options.publicUrl)) throw new UsageError(`--public-url: "${options.publicUrl}" is not an http(s) URL`);

  // Ctrl-C from here on ends the session cleanly, even while the webhook is being made.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const unlisten = (): void => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };

  let secret: string | undefined;
  const arrived = new Set<string>();
  const receiver = await startListenReceiver({
    port, forwardTo: options.forwardTo, secret: () => secret,
    onArrival: (a) => {
      if (a.messageId) arrived.add(a.messageId);
      process.stdout.write(`${options.json ? arrivalJson(a) : arrivalLine(a, options.printBody === true)}\n`);
    },
  }).catch((err: NodeJS.ErrnoException) => {
    unlisten();
    throw new UsageError(`cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}`);
  });

  const target = options.publicUrl ?? receiver.url;
  let webhookId: string;
  try {
    const hook = await relais.webhooks.create(tenant, {
      url: target, events, description: `relais listen on ${hostname()} (pid ${process.pid}): temporary, deleted when it stops`,
      retry: { mode: 'custom', schedule: ['0', '1s', '5s'] }, auto_disable: false,
    });
    secret = hook.secret;
    webhookId = hook.id;
  } catch (err) {
    unlisten();
    await receiver.close();
    const e = err as { status?: number; errors?: { field: string; message: string }[] };
    const urlProblem = e.status === 422 ? e.errors?.find((f) => f.field === 'url') : undefined;
    if (urlProblem) throw new Error(`Relais refused the webhook to ${target}: url: ${urlProblem.message}\n${ALLOW_HINT}`);
    throw err;
  }

  const say = (text: string): void => { if (!options.json) process.stderr.write(`${text}\n`); };
  say(`Ready: ${tenant}'s ${events.join(', ')} events → ${target}${options.forwardTo ? ` → ${options.forwardTo}` : ''}`);
  say(paint('dim', `temporary webhook ${webhookId}, secret ${secret} (deleted on Ctrl-C)`));
  if (options.json) process.stdout.write(`${JSON.stringify({ ready: { webhook_id: webhookId, url: target, events, forward_to: options.forwardTo ?? null } })}\n`);

  try {
    // While nothing arrives, look every few seconds for deliveries the SSRF guard refused.
    let warned = false;
    while (!stop.signal.aborted) {
      await sleep(2_000, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted || warned || options.publicUrl !== undefined) continue;
      const message = await blockedMessage(relais, tenant, webhookId, arrived).catch(() => undefined);
      if (message) {
        process.stderr.write(`relais: Relais could not deliver to ${target}: ${message}\n${ALLOW_HINT}\n`);
        warned = true;
      }
    }
  } finally {
    unlisten();
    await receiver.close();
    await relais.webhooks.delete(tenant, webhookId).then(
      () => say(`deleted the temporary webhook ${webhookId}`),
      (err: unknown) => {
        process.stderr.write(`relais: could not delete the temporary webhook ${webhookId} (${(err as Error).message}): delete it with relais webhooks delete ${tenant} ${webhookId}\n`);
        process.exitCode = 1;
      },
    );
  }
}
