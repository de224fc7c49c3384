// GET /healthz: 200 while this process can serve, 503 (with Retry-After) while it cannot, and
// in both cases which dependency is up or down, so an operator or a load balancer sees why.
import type { FastifyReply } from 'fastify';
import type { Store } from '../store/store.ts';
import { unavailableReason } from '../store/faults.ts';
import { UNAVAILABLE_RETRY_AFTER_S } from './problems.ts';

export interface Dependency { status: 'up' | 'degraded' | 'down'; reason?: string; since?: string }

/** What the process knows of its own parts beside the database: its dispatcher (in a thread of its own, it may be restarting) and whether it hears NOTIFY. */
export interface ProcessHealth {
  dispatcher?: Dependency;
  /** Up or down while this process listens for other processes' work (PostgreSQL); absent otherwise. */
  listening?: boolean | undefined;
}

export async function health(store: Pick<Store, 'ping' | 'engine' | 'health'>, reply: FastifyReply, parts: ProcessHealth = {}) {
  let database: Dependency;
  try {
    await store.ping();
    // It answers, but the last call to it failed and none has succeeded since (SQLite's disk
    // full, its file locked for long): reads may work while writes do not.
    const known = store.health();
    database = known.up ? { status: 'up' } : { status: 'degraded', reason: known.reason, since: new Date(known.since).toISOString() };
  } catch (err) {
    const known = store.health();
    database = {
      status: 'down',
      reason: unavailableReason(err) ?? 'the database did not answer',
      ...(!known.up && { since: new Date(known.since).toISOString() }),
    };
  }
  // Workers on PostgreSQL hear of new work through LISTEN; while it reconnects they poll, so it
  // is reported without making the process unhealthy.
  const listening = parts.listening;
  const dependencies = {
    database,
    ...(parts.dispatcher && { dispatcher: parts.dispatcher }),
    ...(listening !== undefined && { notifications: listening ? { status: 'up' } : { status: 'down', reason: 'reconnecting; deliveries are found by polling meanwhile' } }),
  };
  if (database.status === 'down') reply.code(503).header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S));
  return { status: database.status === 'down' ? 'unavailable' : database.status === 'up' ? 'ok' : 'degraded', engine: store.engine, dependencies };
}
