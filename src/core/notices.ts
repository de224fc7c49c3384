// The message a tenant's owners get when one of their webhooks is disabled. Pure.
import { redactUrlPassword } from './destinations.ts';
import type { Attempt, Webhook } from './model.ts';

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';

function describeAttempt(a: Attempt): string {
  const what = a.response
    ? `HTTP ${a.response.status}${a.response.body ? ` "${a.response.body.slice(0, 200).replace(/\s+/g, ' ')}"` : ''}`
    : `${(a.errorKind ?? 'error').replace(/_/g, ' ')}: ${a.errorMessage ?? ''}`;
  return `  - ${when(a.startedAt)}: ${what}`;
}

export function webhookDisabledNotice(w: Webhook, lastAttempts: readonly Attempt[], now: number): { subject: string; body: string } {
  const url = redactUrlPassword(w.url); // a broker's password is shown nowhere
  const lines = [
    `Your webhook ${w.id} to ${url} (events: ${w.events.join(', ')}) was disabled on ${when(now)}.`,
    '',
    `Why: ${w.disabledReason ?? 'it kept failing'}.`,
    ...(w.failingSince === null ? [] : [`It had been failing since ${when(w.failingSince)} (${w.consecutiveFailures} failed attempts in a row).`]),
    '',
    ...(lastAttempts.length ? ['Last errors:', ...lastAttempts.map(describeAttempt), ''] : []),
    'Nothing is lost: deliveries that were waiting are kept, and go out, oldest first, when the webhook is enabled again.',
    '',
    'To re-enable it, fix the receiver, then switch the webhook back on in your webhooks page, or call:',
    `  PATCH /v1/tenants/${w.tenantId}/webhooks/${w.id}   {"enabled": true}`,
  ];
  return { subject: `Webhook disabled: ${url}`, body: `${lines.join('\n')}\n` };
}
