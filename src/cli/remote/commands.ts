// The commands that speak to a running Relais over its API, registered on the `relais` program.
// Each command's module is imported when it runs (as main.ts does for the local ones): this file
// only names them, so `relais --help` loads nothing but commander.
import type { Command } from 'commander';

const ENV_HELP = `
Relais is found by --url / RELAIS_URL, the token by --token / RELAIS_TOKEN (the admin token, or a tenant's).
Exit codes: 0 done, 1 failed (the API's problem on stderr), 2 usage.`;

/** --url, --token and --json, and the environment's part in the help. */
function remote(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'the Relais API (default: RELAIS_URL)')
    .option('--token <token>', 'an API token (default: RELAIS_TOKEN)')
    .option('--json', 'print the API\'s JSON, for scripts')
    .addHelpText('after', ENV_HELP);
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function tenants(program: Command): void {
  const group = program.command('tenants').description('list, create and show tenants (admin)');
  remote(group.command('list').description('list tenants by id')
    .option('--limit <n>', 'page size')
    .option('--after <cursor>', 'the page after this cursor')
    .option('--all', 'every page'))
    .action(async (options) => (await import('./tenants.ts')).listTenants(options));
  remote(group.command('create').description('create a tenant with your product\'s id for it')
    .argument('<id>', 'the tenant\'s id')
    .option('--name <name>', 'its name (default: the id)')
    .option('--notify-email <email>', 'who is told when its webhooks fail (repeatable)', collect)
    .option('--export-key <key>', 'an id of your own kept with it'))
    .action(async (id: string, options) => (await import('./tenants.ts')).createTenant(id, options));
  remote(group.command('get').description('show a tenant').argument('<tenant>', 'the tenant\'s id'))
    .action(async (id: string, options) => (await import('./tenants.ts')).getTenant(id, options));
}

function tokens(program: Command): void {
  const group = program.command('tokens').description('create, list and revoke a tenant\'s API tokens (admin)');
  remote(group.command('create').description('a token scoped to the tenant; its value is printed once')
    .argument('<tenant>', 'the tenant\'s id')
    .option('--name <name>', 'a name to tell it apart ("zapier")')
    .option('--expires-in <duration>', 'e.g. 90d (default: RELAIS_TOKEN_TTL, or never)'))
    .action(async (tenant: string, options) => (await import('./tokens.ts')).createToken(tenant, options));
  remote(group.command('list').description('the tenant\'s tokens, with their last 4 characters').argument('<tenant>', 'the tenant\'s id'))
    .action(async (tenant: string, options) => (await import('./tokens.ts')).listTokens(tenant, options));
  remote(group.command('revoke').description('revoke a token: refused from the next request on')
    .argument('<tenant>', 'the tenant\'s id').argument('<token-id>', 'the token\'s id (tok_…), as listed'))
    .action(async (tenant: string, id: string, options) => (await import('./tokens.ts')).revokeToken(tenant, id, options));
}

function eventTypes(program: Command): void {
  const group = program.command('event-types').description('the event catalog (admin)');
  remote(group.command('import').description('create or replace event types from JSON files: one type, a list, or {"event_types": [...]} each')
    .argument('<path...>', 'JSON files, or directories of them'))
    .action(async (paths: string[], options) => (await import('./event-types.ts')).importEventTypes(paths, options));
  remote(group.command('list').description('the catalog, Relais\' webhook.* types included'))
    .action(async (options) => (await import('./event-types.ts')).listEventTypes(options));
}

function webhooks(program: Command): void {
  const group = program.command('webhooks').description('a tenant\'s webhooks');
  const pair = (cmd: Command): Command => cmd.argument('<tenant>', 'the tenant\'s id').argument('<webhook>', 'the webhook\'s id');
  remote(group.command('list').description('the tenant\'s webhooks').argument('<tenant>', 'the tenant\'s id'))
    .action(async (tenant: string, options) => (await import('./webhooks.ts')).listWebhooks(tenant, options));
  remote(group.command('create').description('create a webhook; its signing secret is printed')
    .argument('<tenant>', 'the tenant\'s id')
    .option('--target <url>', 'where deliveries go (the webhook\'s url)')
    .option('--events <types>', 'comma-separated: exact types, prefix.* or *')
    .option('--description <text>', 'what it is for')
    .option('--id <id>', 'its id (default: generated wh_…)')
    .option('--secret <secret>', 'its signing secret (default: generated whsec_…)')
    .option('--disabled', 'create it disabled')
    .option('--body <json>', 'any other field: the JSON body of POST …/webhooks, inline, @file or @- (the flags override it)'))
    .action(async (tenant: string, options) => (await import('./webhooks.ts')).createWebhook(tenant, options));
  remote(pair(group.command('get').description('show a webhook')))
    .action(async (tenant: string, id: string, options) => (await import('./webhooks.ts')).getWebhook(tenant, id, options));
  remote(pair(group.command('enable').description('enable a webhook (held deliveries then go, in order)')))
    .action(async (tenant: string, id: string, options) => (await import('./webhooks.ts')).setEnabled(tenant, id, true, options));
  remote(pair(group.command('disable').description('disable a webhook (its new deliveries are held)')))
    .action(async (tenant: string, id: string, options) => (await import('./webhooks.ts')).setEnabled(tenant, id, false, options));
  remote(pair(group.command('delete').description('delete a webhook, its deliveries and their log')))
    .action(async (tenant: string, id: string, options) => (await import('./webhooks.ts')).deleteWebhook(tenant, id, options));
  remote(pair(group.command('secret').description('print a webhook\'s signing secret')))
    .action(async (tenant: string, id: string, options) => (await import('./webhooks.ts')).webhookSecret(tenant, id, options));
}

/** The log's filters; `tail` follows status changes, so it filters neither by status nor by an end. */
function deliveryFilters(cmd: Command, tail = false): Command {
  cmd.option('--webhook <id>', 'one webhook\'s');
  if (!tail) cmd.option('--status <status>', 'pending, delivering, succeeded, failed or cancelled');
  cmd.option('--event-type <type>', 'one event type\'s')
    .option('--event <id>', 'one event\'s (evt_…)');
  if (tail) return cmd.option('--since <time>', 'also the deliveries created since then: ISO 8601, or a duration ago (15m, 2h)');
  return cmd
    .option('--since <time>', 'created at or after: ISO 8601, or a duration ago (15m, 2h, 7d)')
    .option('--until <time>', 'created before: ISO 8601, or a duration ago');
}

function deliveries(program: Command): void {
  const group = program.command('deliveries').description('the delivery log');
  remote(deliveryFilters(group.command('list').description('deliveries, newest first, filtered').argument('<tenant>', 'the tenant\'s id'))
    .option('--held', 'only deliveries held while their webhook is disabled')
    .option('--limit <n>', 'page size')
    .option('--before <cursor>', 'the page after this cursor (printed on stderr)'))
    .action(async (tenant: string, options) => (await import('./deliveries.ts')).listDeliveries(tenant, options));
  remote(group.command('get').description('a delivery with its event and every attempt')
    .argument('<tenant>', 'the tenant\'s id').argument('<delivery>', 'the delivery\'s id (dlv_…)'))
    .action(async (tenant: string, id: string, options) => (await import('./deliveries.ts')).getDelivery(tenant, id, options));
}

function delivering(program: Command): void {
  remote(program.command('emit').description('emit an event through the API (relais send writes to a local database instead)')
    .argument('<tenant>', 'the tenant\'s id').argument('<type>', 'the event type')
    .option('--data <json>', 'the event\'s data: JSON, @file.json or @- (stdin); default {}')
    .option('--id <id>', 'idempotency id (default: generated and printed): the same id again stores nothing new')
    .option('--occurred-at <time>', 'when it happened (ISO 8601)')
    .option('--ordering-key <key>', 'for webhooks that deliver in order of key'))
    .action(async (tenant: string, type: string, options) => (await import('./emit.ts')).emit(tenant, type, options));
  remote(deliveryFilters(program.command('tail').description('follow a tenant\'s deliveries and their attempts live, one line each, until Ctrl-C')
    .argument('<tenant>', 'the tenant\'s id'), true)
    .option('--interval <ms>', 'how often to poll the log', '1000')
    .addHelpText('after', '\nWith --json: each new or changed delivery as the API shows it, one JSON object per line.'))
    .action(async (tenant: string, options) => (await import('./tail.ts')).tail(tenant, options));
  remote(program.command('resend').description('deliver a delivery\'s event to its webhook again, as a new delivery')
    .argument('<tenant>', 'the tenant\'s id').argument('<delivery>', 'the delivery\'s id'))
    .action(async (tenant: string, id: string, options) => (await import('./deliveries.ts')).resend(tenant, id, options));
  remote(program.command('recover').description('deliver again the events a webhook missed in a window (its failed deliveries)')
    .argument('<tenant>', 'the tenant\'s id').argument('<webhook>', 'the webhook\'s id')
    .requiredOption('--since <time>', 'from: ISO 8601, or a duration ago (15m, 2h, 7d)')
    .option('--until <time>', 'to (default: now)')
    .option('--missing', 'also the matching events it never had a delivery of'))
    .action(async (tenant: string, webhook: string, options) => (await import('./recover.ts')).recover(tenant, webhook, options));
  remote(program.command('link').description('a link that opens the tenant\'s page, signed in (admin)')
    .argument('<tenant>', 'the tenant\'s id')
    .option('--expires-in <duration>', 'e.g. 15m (default 1h)'))
    .action(async (tenant: string, options) => (await import('./link.ts')).signInLink(tenant, options));
}

function receiving(program: Command): void {
  program.command('verify').description('check a webhook request\'s signature (body on stdin): exit 0 valid, 1 invalid with the reason')
    .requiredOption('--headers <file>', 'the request\'s headers: "Name: value" lines (curl -D) or a JSON object; - for stdin')
    .option('--secret <secret>', 'the webhook\'s secret; repeat during a rotation (default: RELAIS_WEBHOOK_SECRET)', collect)
    .option('--body <file>', 'the raw body (default: stdin)')
    .option('--scheme <scheme>', 'auto, standard or frappe', 'auto')
    .option('--tolerance <seconds>', 'how old or new webhook-timestamp may be', '300')
    .option('--json', 'print {valid, scheme, reason, message}')
    .addHelpText('after', '\nExample: relais verify --secret whsec_… --headers headers.txt < body.json')
    .action(async (options) => (await import('./verify.ts')).verify(options));
  remote(program.command('listen').description('receive a tenant\'s webhooks here: a temporary webhook to a local receiver, deleted on exit')
    .argument('<tenant>', 'the tenant\'s id')
    .option('--events <types>', 'comma-separated types, prefix.* or * (default: *)')
    .option('--forward-to <url>', 'pass each delivery on to your app (same method, headers, body) and report its status')
    .option('--port <port>', 'the local receiver\'s port on 127.0.0.1 (default: any free one)')
    .option('--public-url <url>', 'the URL Relais should deliver to when it cannot reach 127.0.0.1 here (a tunnel)')
    .option('--print-body', 'print each delivery\'s body'))
    .addHelpText('after', '\nRelais refuses loopback targets unless its RELAIS_ALLOW_TARGETS allows them (e.g. RELAIS_ALLOW_TARGETS=127.0.0.1).')
    .action(async (tenant: string, options) => (await import('./listen.ts')).listen(tenant, options));
}

/** Registers the remote commands, in the order `relais --help` lists them. */
export function addRemoteCommands(program: Command): void {
  program.commandsGroup('Remote commands (a running Relais, over its API: RELAIS_URL and RELAIS_TOKEN, or --url and --token):');
  tenants(program);
  tokens(program);
  eventTypes(program);
  webhooks(program);
  deliveries(program);
  delivering(program);
  receiving(program);
}
