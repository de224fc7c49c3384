// `relais serve`: run the API, the page and the dispatcher until SIGTERM or SIGINT.
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { createRelais } from '../main.ts';
import { describeDatabase } from './database.ts';
import type { AdminToken } from '../services/auth.ts';

/** The admin token is printed once, by the start that generated it: only its hash is stored. */
function adminLines(admin: AdminToken): string[] {
  if (admin.source === 'environment') return ['  Admin token:   from RELAIS_ADMIN_TOKEN'];
  if (admin.source === 'stored') return ['  Admin token:   generated on first start, stored hashed (set RELAIS_ADMIN_TOKEN to choose one)'];
  return [
    `  Admin token:   ${admin.token}`,
    '                 generated now and stored hashed: save it, it will not be shown again',
  ];
}

export async function serve(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const relais = await createRelais(config, log);
  const url = await relais.start();
  const admin = await relais.services.auth.adminToken();
  const lines = [
    `Relais is running on ${describeDatabase(config)}`,
    url && config.roles.api ? `  API and page:  ${url}   (API docs: ${url}/docs)` : '  API and page:  off (RELAIS_ROLES)',
    ...(url && !config.roles.api ? [`  Health:        ${url}/healthz   (metrics: ${url}/metrics)`] : []),
    `  Dispatcher:    ${relais.engine.placement === 'off' ? 'off (RELAIS_ROLES)' : `on${relais.engine.placement === 'thread' ? ', in its own thread' : ''}, ${config.concurrency} concurrent deliveries`}`,
    ...adminLines(admin),
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
