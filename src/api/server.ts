// The HTTP API, built without listening so tests can inject() or listen on a free port.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Services } from '../services/index.ts';
import type { Store } from '../store/store.ts';
import { installAuth } from './auth.ts';
import { pageBundle, pageRoutes } from './page.ts';
import { installInputLimits, MAX_URL_VALUE_CHARS } from './input-limits.ts';
import { frameworkProblem, installProblemHandlers } from './problems.ts';
import type { ProcessHealth } from './health.ts';
import { installAccessLog } from './access-log.ts';
import { openapiOptions } from './openapi.ts';
import { opsRoutes } from './ops.ts';
import type { Metrics } from '../metrics/registry.ts';
import { accessRoutes } from './routes/access.ts';
import { conditionRoutes } from './routes/conditions.ts';
import { deliveryRoutes } from './routes/deliveries.ts';
import { eventTypeRoutes } from './routes/event-types.ts';
import { eventRoutes } from './routes/events.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export interface ServerDeps {
  services: Services;
  store: Pick<Store, 'ping' | 'engine' | 'health'>;
  /** The process's own parts, for /healthz. */
  processHealth?: () => ProcessHealth;
  /** The process's metrics, for /metrics and the events routes' counts; none: no /metrics. */
  metrics?: Metrics | undefined;
  log: Logger;
  bodyLimitBytes?: number;
  /** Where users reach the page, for sign-in links (RELAIS_PUBLIC_URL); else each request's own address. */
  publicUrl?: string | undefined;
}

export async function buildServer({ services, store, log, bodyLimitBytes = 5 * 1024 * 1024, publicUrl, processHealth = () => ({}), metrics }: ServerDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger, bodyLimit: bodyLimitBytes, logController: new LogController({ disableRequestLogging: true }), return503OnClosing: true,
    // Long path segments reach the input limits and the schemas, which name the parameter; past this, a 414 problem.
    routerOptions: { maxParamLength: MAX_URL_VALUE_CHARS }, frameworkErrors: frameworkProblem,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandlers(app);
  installInputLimits(app);
  installAccessLog(app, log, metrics);

  await app.register(swagger, openapiOptions(publicUrl));
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  installAuth(app, services);
  opsRoutes(app, { store, processHealth, metrics });

  tenantRoutes(app, services);
  eventTypeRoutes(app, services);
  webhookRoutes(app, services);
  eventRoutes(app, services, metrics);
  deliveryRoutes(app, services);
  accessRoutes(app, services, publicUrl);
  conditionRoutes(app, services);
  pageRoutes(app, await pageBundle());
  return app;
}
