// One log line per request, at info once it is answered: its id, the tenant, the route's pattern
// (never the URL, whose query may hold a page link's token), the status and the time taken. No
// body, no header. Probes (/healthz, /metrics) are logged at debug: a load balancer's checks
// every few seconds would bury the rest. The events routes' time also goes to /metrics.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiMetrics } from '../metrics/registry.ts';

const PROBES = new Set(['/healthz', '/metrics']);
const INGEST: Record<string, 'single' | 'batch'> = { '/v1/tenants/:tenant/events': 'single', '/v1/tenants/:tenant/events/batch': 'batch' };

export function installAccessLog(app: FastifyInstance, log: Logger, metrics?: Pick<ApiMetrics, 'ingestRequest'>): void {
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url; // undefined: no route matched (a 404)
    const ms = reply.elapsedTime;
    const ingest = route === undefined || req.method !== 'POST' ? undefined : INGEST[route];
    if (ingest && metrics) metrics.ingestRequest(ingest, ms);
    const level = route !== undefined && PROBES.has(route) ? 'debug' : 'info';
    if (log.isLevelEnabled(level)) {
      const principal = req.principal;
      const tenant = principal?.kind === 'tenant' ? principal.tenantId : (req.params as { tenant?: string } | undefined)?.tenant;
      log[level]({ reqId: req.id, method: req.method, route: route ?? null, tenant, status: reply.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    }
    done();
  });
}
