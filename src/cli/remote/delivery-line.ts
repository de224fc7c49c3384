// How a delivery reads on one line, in `relais deliveries list` and `relais tail`.
import type { Attempt, Delivery } from 'relais-sdk';
import { cell, paint, table, type Colour } from './output.ts';

const STATUS_COLOUR: Record<Delivery['status'], Colour> = { pending: 'yellow', delivering: 'cyan', succeeded: 'green', failed: 'red', cancelled: 'dim' };

export function statusText(status: Delivery['status']): string {
  return paint(STATUS_COLOUR[status], status);
}

/** What is notable about a pending delivery: held, waiting, next try. */
function waiting(d: Delivery): string {
  if (d.held) return 'held (webhook disabled)';
  if (d.waiting_for_key) return `waiting for key ${d.ordering_key}`;
  if (d.waiting_for_webhook) return 'waiting for its webhook';
  return d.status === 'pending' && d.next_attempt_at ? `next ${d.next_attempt_at}` : '';
}

export function deliveryTable(deliveries: readonly Delivery[]): string[] {
  return table(['ID', 'STATUS', 'TYPE', 'WEBHOOK', 'ATTEMPTS', 'LAST', 'ORIGIN', 'CREATED'],
    deliveries.map((d) => [d.id, statusText(d.status), d.event_type, d.webhook_id, String(d.attempt_count), cell(d.last_status_code), d.origin, d.created_at]));
}

/** `12:00:01 dlv_… order.paid → wh_… succeeded 200 (attempt 1)`: one line, as tail prints it. */
export function deliveryLine(d: Delivery, what: 'new' | 'changed'): string {
  const time = paint('dim', (d.last_attempt_at ?? d.updated_at).slice(11, 23));
  const code = d.last_status_code === null ? '' : ` ${d.last_status_code}`;
  const attempts = d.attempt_count > 0 ? ` (attempt ${d.attempt_count})` : '';
  const extra = [d.origin === 'event' ? '' : `(${d.origin})`, waiting(d)].filter(Boolean).join(' ');
  return `${time} ${what === 'new' ? paint('bold', '+') : ' '} ${d.id} ${d.event_type} → ${d.webhook_id} ${statusText(d.status)}${code}${attempts}${extra ? ` ${paint('dim', extra)}` : ''}`;
}

/** An attempt in `relais deliveries get`: time, outcome, status or error, duration. */
export function attemptLine(a: Attempt): string {
  const outcome = a.succeeded ? paint('green', 'ok') : paint('red', 'failed');
  const answer = a.response ? `${a.response.status}` : a.error ? `${a.error.kind}: ${a.error.message}` : '-';
  return `  ${a.started_at} ${outcome} ${answer} ${a.duration_ms} ms`;
}
