// The `relais` command.
import { Command } from 'commander';
import { benchCommand } from './bench.ts';
import { migrate } from './migrate.ts';
import { send } from './send.ts';
import { serve } from './serve.ts';

const program = new Command('relais')
  .description('Self-hosted outgoing webhooks: signed, retried, logged deliveries')
  .showHelpAfterError();

program.command('serve').description('run the API, the page and the dispatcher (configured by environment, see README)')
  .action(serve);
program.command('migrate').description('apply pending database migrations and exit')
  .action(migrate);
program.command('send').description('emit an event for a tenant, as POST /v1/tenants/:tenant/events does')
  .argument('<tenant>', 'the tenant\'s id')
  .argument('<type>', 'the event type')
  .argument('[data]', 'the event\'s data as JSON', undefined)
  .option('--id <id>', 'idempotency id')
  .option('--occurred-at <iso>', 'when it happened (ISO 8601)')
  .action(send);
program.addCommand(benchCommand());

try {
  await program.parseAsync();
} catch (err) {
  process.stderr.write(`relais: ${(err as Error).message}\n`);
  process.exit(1);
}
