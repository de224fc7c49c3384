// The `relais` command. Each command's code is loaded when it runs: `relais import` need not
// load the server, nor `relais serve` the benchmark (tsx compiles what is imported, at start).
import { Command } from 'commander';
import { benchCommand } from './bench.ts';

const program = new Command('relais')
  .description('Self-hosted outgoing webhooks: signed, retried, logged deliveries')
  .showHelpAfterError();

program.command('serve').description('run the API, the page and the dispatcher (configured by environment, see README)')
  .action(async () => (await import('./serve.ts')).serve());
program.command('migrate').description('apply pending database migrations and exit')
  .action(async () => (await import('./migrate.ts')).migrate());
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
program.addCommand(benchCommand());

try {
  await program.parseAsync();
} catch (err) {
  process.stderr.write(`relais: ${(err as Error).message}\n`);
  process.exit(1);
}
