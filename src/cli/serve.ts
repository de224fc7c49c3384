// `relais serve`: run the API, the page and the dispatcher until SIGTERM or SIGINT.
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { createRelais } from '../main.ts';

export async function serve(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const relais = await createRelais(config, log);
  const url = await relais.start();
  const { token, source } = await relais.services.auth.adminToken();
  const engine = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `SQLite (${config.sqlitePath})`;
  const lines = [
    `Relais is running on ${engine}`,
    url ? `  API and page:  ${url}   (API docs: ${url}/docs)` : '  API and page:  off (RELAIS_ROLES)',
    `  Dispatcher:    ${relais.engine.placement === 'off' ? 'off (RELAIS_ROLES)' : `on${relais.engine.placement === 'thread' ? ', in its own thread' : ''}, ${config.concurrency} concurrent deliveries`}`,
    `  Admin token:   ${token}   (${source === 'environment' ? 'from RELAIS_ADMIN_TOKEN' : 'generated on first start, stored in the database'})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const shutdown = (signal: string): void => {
    log.info({ signal }, 'stopping: no new claims, finishing deliveries in flight');
    relais.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
