// `relais tokens create | list | revoke`: tenant-scoped API tokens (admin only).
import { clientOf, type RemoteOptions } from './connection.ts';
import { cell, note, print, table } from './output.ts';

export interface CreateOptions extends RemoteOptions {
  name?: string;
  expiresIn?: string;
}

export async function createToken(tenant: string, options: CreateOptions): Promise<void> {
  const token = await clientOf(options).tokens.create(tenant, {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.expiresIn === undefined ? {} : { expires_in: options.expiresIn }),
  });
  print(options, token, () => token.token);
  note(options, `token ${token.id}, expires ${token.expires_at ?? 'never'}: its value is shown once, store it now`);
}

export async function listTokens(tenant: string, options: RemoteOptions): Promise<void> {
  const tokens = await clientOf(options).tokens.list(tenant);
  print(options, { data: tokens }, () => table(['ID', 'NAME', 'ENDS IN', 'CREATED', 'EXPIRES'],
    tokens.map((t) => [t.id, cell(t.name), t.last_chars ? `…${t.last_chars}` : '-', t.created_at, cell(t.expires_at)])));
}

export async function revokeToken(tenant: string, tokenId: string, options: RemoteOptions): Promise<void> {
  await clientOf(options).tokens.revoke(tenant, tokenId);
  print(options, { revoked: tokenId }, () => `revoked ${tokenId}`);
}
