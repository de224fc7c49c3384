// The `relais` command. Each command's code is loaded when it runs: `relais --help` loads
// commander and nothing else, `relais import` need not load the server. (The benchmark is
// `npm run bench`: nothing under bench/ or test/ is reachable from here, nor built into dist/.)
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError } from '../config-error.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('relais')
  .description('Self-hosted outgoing webhooks: signed, retried, logged deliveries')
  .version(version, '-V, --version', 'print Relais\'s version')
  .showHelpAfterError();

program.command('serve').description('run the API, the page and the dispatcher (configured by environment, see README)')
  .action(async () => (await import('./serve.ts')).serve());
program.command('migrate').description('apply pending database migrations and exit')
  .action(async () => (await import('./migrate.ts')).migrate());
program.command('rotate-key').description('re-seal every stored secret from RELAIS_ENCRYPTION_KEY to a new key (stop Relais first)')
  .argument('[new-key]', 'the new key (better: RELAIS_NEW_ENCRYPTION_KEY, kept out of the shell history)')
  .action(async (newKey: string | undefined) => (await import('./rotate-key.ts')).rotateKey(newKey));
program.command('send').description('emit an event for a tenant, as POST /v1/tenants/:tenant/events does')
  .argument('<tenant>', 'the tenant\'s id')
  .argument('<type>', 'the event type')
  .argument('[data]', 'the event\'s data as JSON', undefined)
  .option('--id <id>', 'idempotency id')
  .option('--occurred-at <iso>', 'when it happened (ISO 8601)')
  .action(async (tenant: string, type: string, data: string | undefined, options: import('./send.ts').SendOptions) => (await import('./send.ts')).send(tenant, type, data, options));
program.command('import').description('create event types, tenants and webhooks from a JSON file, keeping their ids and secrets (docs/guides/); webhooks that exist are skipped')
  .argument('<file>', 'a JSON file: {"event_types": [...], "tenants": [...], "webhooks": [{"tenant": "<id>", ...}]}')
  .action(async (file: string) => (await import('./import.ts')).importFile(file));
program.command('backup').description('copy the SQLite database to a new file while Relais runs (PostgreSQL: pg_dump, see docs/operations.md)')
  .argument('<file>', 'the copy to write (never overwritten: it must not exist)')
  .action(async (file: string) => (await import('./backup.ts')).backup(file));

try {
  await program.parseAsync();
} catch (err) {
  // A configuration error is one line per bad variable and exit 2 (a usage error, as scripts
  // expect): the process did nothing. Anything else failed at work: exit 1.
  const lines = err instanceof ConfigError ? err.problems : [(err as Error).message];
  process.stderr.write(lines.map((line) => `relais: ${line}\n`).join(''));
  process.exit(err instanceof ConfigError ? err.exitCode : 1);
}
