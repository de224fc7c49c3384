// `relais recover <tenant> <webhook> --since <time>`: deliver again what a webhook missed in a
// window. Relais walks at most 10,000 events per call and answers `next_since` when it stopped
// short: the command calls again from there, with the first call's `until`, until the window is
// done, showing its progress on a terminal.
import type { Recovered } from 'relais-sdk';
import { clientOf, type RemoteOptions } from './connection.ts';
import { parseTime } from './input.ts';
import { print, progress } from './output.ts';

export interface RecoverOptions extends RemoteOptions {
  since: string;
  until?: string;
  missing?: boolean;
}

export async function recover(tenant: string, webhook: string, options: RecoverOptions): Promise<void> {
  const relais = clientOf(options);
  let since = parseTime(options.since, '--since');
  let until = options.until === undefined ? undefined : parseTime(options.until, '--until');
  const total = { count: 0, resent: 0, created: 0, until: '', next_since: null as string | null, calls: 0 };
  const bar = progress();
  try {
    for (;;) {
      bar.update(`recovering ${webhook}: ${total.count} queued so far, from ${since}`);
      const part: Recovered = await relais.webhooks.recover(tenant, webhook, { since, ...(until === undefined ? {} : { until }), ...(options.missing ? { missing: true } : {}) });
      total.count += part.count;
      total.resent += part.resent;
      total.created += part.created;
      total.until = part.until;
      total.calls += 1;
      until = part.until;
      if (part.next_since === null) break;
      since = part.next_since;
    }
  } finally {
    bar.done();
  }
  print(options, total, () => `${total.count} deliveries queued for ${webhook} (${total.resent} resent${options.missing ? `, ${total.created} missing created` : ''}), events until ${total.until}`);
}
