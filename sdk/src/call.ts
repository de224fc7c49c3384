// What every resource is handed: the typed openapi-fetch client and the transport under it, and
// the one way an answer becomes a value or a RelaisApiError.
import type { Client } from 'openapi-fetch';
import { apiError } from './errors.js';
import type { Transport } from './retry.js';
import type { paths } from './schema.js';

/**
 * The typed client: answers read as JSON (a route that also answers NDJSON, the delivery log, is
 * asked for its stream with parseAs: 'stream'); errors are problem details, read by unwrap.
 */
export type Api = Client<paths, 'application/json'>;

export interface Context {
  api: Api;
  transport: Transport;
}

/** openapi-fetch's answer: data on a 2xx, else the parsed error body. */
interface Answer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** The data of a 2xx answer (its optional marker in the error branch removed, whatever exactOptionalPropertyTypes says). */
type DataOf<A extends Answer> = Exclude<A['data'], undefined>;

/** The answer's data, or a RelaisApiError carrying its problem detail; `method` names the call in the error. */
export async function unwrap<A extends Answer>(method: string, call: Promise<A>): Promise<DataOf<A>> {
  return (await unwrapWithStatus(method, call)).data;
}

/** As unwrap, with the status (e.g. 200 or 201 of an upsert). */
export async function unwrapWithStatus<A extends Answer>(method: string, call: Promise<A>): Promise<{ data: DataOf<A>; status: number }> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiError({ method, url: response.url }, response, error);
  return { data: data as DataOf<A>, status: response.status };
}
