// `relais link <tenant>`: a link that opens the tenant's page, signed in, until it expires.
import { clientOf, type RemoteOptions } from './connection.ts';
import { note, print } from './output.ts';

export interface LinkOptions extends RemoteOptions {
  expiresIn?: string;
}

export async function signInLink(tenant: string, options: LinkOptions): Promise<void> {
  const link = await clientOf(options).links.signIn(tenant, options.expiresIn === undefined ? {} : { expires_in: options.expiresIn });
  print(options, link, () => link.url);
  note(options, `valid until ${link.expires_at}`);
}
