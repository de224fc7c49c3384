// The `relais` command. Each command's code is loaded when it runs: `relais --help` loads
// commander and nothing else, `relais import` need not load the server. (The benchmark is
// `npm run bench`: nothing under bench/ or test/ is reachable from here, nor built into dist/.)
// The commands that speak to a running Relais over its API (tenants, webhooks, emit, tail,
// listen…) are in remote/; commands.ts names them and loads each one's module when it runs.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config-error.ts';
import { addRemoteCommands } from './remote/commands.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('relais')
  .description('Self-hosted outgoing webhooks: signed, retried, logged deliveries')
  .version(version, '-V, --version', 'print Relais\'s version')
  // Subcommands inherit both: a usage error throws (exit 2, below) after commander's message and the help hint.
  .exitOverride()
  .showHelpAfterError()
  .commandsGroup('Local commands (where the server runs, with its configuration):');

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
addRemoteCommands(program);

/** Help and version asked for end well; any other commander error is a usage error, already reported. */
const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.version']);

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof CommanderError) process.exit(HELP_CODES.has(err.code) ? 0 : 2);
  // A configuration error is one line per bad variable and exit 2 (a usage error, as scripts
  // expect): the process did nothing. So is a remote command's usage error (no RELAIS_URL…); an
  // API's refusal is one line per field it names (remote/errors.ts). Anything else failed at work: exit 1.
  const { lines, exitCode } = err instanceof ConfigError ? { lines: err.problems, exitCode: err.exitCode } : (await import('./remote/errors.ts')).describeFailure(err);
  process.stderr.write(lines.map((line) => `relais: ${line}\n`).join(''));
  process.exit(exitCode);
}
