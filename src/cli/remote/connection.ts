// The SDK client of the Relais a remote command speaks to: `--url`/`--token`, else RELAIS_URL /
// RELAIS_TOKEN (the admin token, or a tenant's). Whatever is missing is a usage error naming
// both the variable and the flag.
import { Relais } from 'relais-sdk';
import { UsageError } from './usage-error.ts';

/** The options every remote command takes. */
export interface RemoteOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export interface Connection {
  url: string;
  token: string;
}

export function connectionOf(options: RemoteOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  const url = options.url ?? env.RELAIS_URL;
  const token = options.token ?? env.RELAIS_TOKEN;
  if (!url) throw new UsageError('no Relais to speak to: set RELAIS_URL or pass --url (e.g. http://127.0.0.1:8080)');
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`RELAIS_URL / --url is not an http(s) URL: "${url}"`);
  if (!token) throw new UsageError('no token: set RELAIS_TOKEN or pass --token (the admin token, or a tenant\'s)');
  return { url, token };
}

/** The SDK client for these options (throws a UsageError when the URL or the token is missing). */
export function clientOf(options: RemoteOptions): Relais {
  const { url, token } = connectionOf(options);
  return new Relais({ baseUrl: url, token, userAgent: 'relais-cli' });
}
