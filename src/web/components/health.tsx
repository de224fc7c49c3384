// How a webhook is doing: its recent failure rate and its current run of failures, in words.
import type { Webhook } from '../api/types.ts';

export function recentText(health: Webhook['health']): string {
  const r = health.recent;
  if (!r || r.attempts === 0) return 'No attempts';
  if (r.failures === 0) return `${r.attempts} sent, none failed`;
  return `${r.failures} of ${r.attempts} failed (${Math.round((100 * r.failures) / r.attempts)}%)`;
}

export function Health({ health }: { health: Webhook['health'] }) {
  const failing = health.consecutive_failures > 0;
  return (
    <span class={failing ? 'health health-failing' : 'health'}>
      {recentText(health)}
      {failing && <span class="small"> · {health.consecutive_failures} failed in a row</span>}
    </span>
  );
}
