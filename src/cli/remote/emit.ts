// `relais emit <tenant> <type> --data @file.json`: an event through the API, with an idempotency
// id (`--id`, or one generated and printed) so that running it again stores nothing twice. The
// data is sent as written (a number beyond JavaScript's precision stays exact, as the API keeps
// it); the SDK retries it on 429/502/503/504 and network errors: it carries its id.
import { randomUUID } from 'node:crypto';
import type { EventIn } from 'relais-sdk';
import { clientOf, type RemoteOptions } from './connection.ts';
import { checkJson, parseTime, readValue } from './input.ts';
import { note, print } from './output.ts';

export interface EmitOptions extends RemoteOptions {
  data?: string;
  id?: string;
  occurredAt?: string;
  orderingKey?: string;
}

export async function emit(tenant: string, type: string, options: EmitOptions): Promise<void> {
  const relais = clientOf(options);
  const dataText = options.data === undefined ? '{}' : await readValue(options.data);
  const data = checkJson(dataText, '--data') as EventIn['data'];
  const id = options.id ?? `cli_${randomUUID()}`;
  const event: EventIn = {
    id, type, data,
    ...(options.occurredAt !== undefined && { occurred_at: parseTime(options.occurredAt, '--occurred-at') }),
    ...(options.orderingKey !== undefined && { ordering_key: options.orderingKey }),
  };
  const accepted = await relais.events.send(tenant, event, { dataJson: dataText });
  print(options, accepted, () => `${accepted.id} ${accepted.duplicate ? 'already accepted (duplicate: nothing new stored)' : 'accepted'}: ${accepted.deliveries} ${accepted.deliveries === 1 ? 'delivery' : 'deliveries'}, id ${id}`);
  if (options.id === undefined) note(options, `idempotency id ${id}: pass --id ${id} to send it again safely`);
}
