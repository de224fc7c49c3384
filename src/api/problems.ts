// Every error leaves as an RFC 9457 problem detail. Expected errors (the catalog's, request
// validation, Fastify's own 4xx) name what was wrong; anything else is logged and answered
// with a bare 500 that reveals nothing.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { RelaisError, type FieldError } from '../core/errors.ts';
import { StoreUnavailableError } from '../store/faults.ts';

const TYPE_BASE = 'https://relais.dev/problems/';
/** Seconds a client is told to wait while the database is away: about what a PostgreSQL restart takes. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

export function sendProblem(reply: FastifyReply, p: ProblemBody): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

const fromRelais = (e: RelaisError): ProblemBody => ({
  type: TYPE_BASE + e.code.replace(/^RELAIS_ERR_/, '').toLowerCase().replace(/_/g, '-'),
  title: e.title,
  status: e.status,
  detail: e.message,
  code: e.code,
  ...(e.errors.length ? { errors: e.errors } : {}),
});

/** `/events/0/type` in the body → `events[0].type`; elsewhere prefixed by where it was (query, params). */
function fieldName(context: string | undefined, instancePath: string): string {
  const path = instancePath.split('/').filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
  const where = context === 'querystring' ? 'query' : context;
  if (where && where !== 'body') return path ? `${where}.${path}` : where;
  return path || 'body';
}

/** Errors Fastify meets before a route is found (a path segment too long or badly escaped): problems naming the path. */
export function frameworkProblem(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = err.statusCode ?? 400;
  void sendProblem(reply, { type: `${TYPE_BASE}bad-request`, title: 'Bad request', status, detail: err.message, code: err.code, errors: [{ field: 'params', message: err.message }] });
}

export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof RelaisError) return sendProblem(reply, fromRelais(err));
    if (err instanceof StoreUnavailableError) {
      // Nothing the request did is at fault: the same request, sent again once the database is
      // back, is answered as it would have been (an event sent again with its id is stored once).
      reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S));
      return sendProblem(reply, {
        type: `${TYPE_BASE}unavailable`, title: 'Service unavailable', status: 503, code: 'RELAIS_ERR_UNAVAILABLE',
        detail: `${err.message}: send the request again in ${UNAVAILABLE_RETRY_AFTER_S} s`,
      });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const errors = err.validation.flatMap((v) => {
        // An unknown key is reported on its parent object: name each key instead.
        const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: string[] }).keys ?? [] : [];
        if (keys.length) return keys.map((k) => ({ field: fieldName(err.validationContext, `${v.instancePath}/${k}`), message: 'unknown field' }));
        return [{ field: fieldName(err.validationContext, v.instancePath), message: v.message ?? 'invalid' }];
      });
      return sendProblem(reply, {
        type: `${TYPE_BASE}validation`,
        title: 'Invalid request',
        status: 422,
        detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        code: 'RELAIS_ERR_VALIDATION',
        errors,
      });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own: malformed JSON, unsupported media type, body too large…
      const detail = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'body is not valid JSON' : err.message;
      return sendProblem(reply, { type: `${TYPE_BASE}bad-request`, title: 'Bad request', status, detail, code: err.code ?? 'RELAIS_ERR_BAD_REQUEST', errors: [{ field: 'body', message: detail }] });
    }
    request.log.error({ err }, 'request failed');
    return sendProblem(reply, { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'an unexpected error occurred; it has been logged', code: 'RELAIS_ERR_INTERNAL' });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { type: `${TYPE_BASE}not-found`, title: 'Not found', status: 404, detail: `no route ${request.method} ${request.url.split('?')[0]}`, code: 'RELAIS_ERR_NO_ROUTE' }));
}
