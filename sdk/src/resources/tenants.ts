// Tenants (the product's customers), their tokens, and sign-in links to their page.
import { unwrap, type Context } from '../call.js';
import type { Notice, PageLink, PageLinkIn, Tenant, TenantIn, TenantListQuery, TenantPage, TenantPatch, Token, TokenIn, TokenInfo } from '../types.js';

export class Tenants {
  constructor(private readonly ctx: Context) {}

  /** Admin: a new tenant; `id` is the product's own id for it (409 when taken). */
  create(input: TenantIn): Promise<Tenant> {
    return unwrap('POST', this.ctx.api.POST('/v1/tenants', { body: input }));
  }

  /** Admin: one page of tenants by id; `next_cursor` goes in `after` for the next. */
  list(query: TenantListQuery = {}): Promise<TenantPage> {
    return unwrap('GET', this.ctx.api.GET('/v1/tenants', { params: { query } }));
  }

  /** Admin: every tenant, page after page. */
  async *all(query: Omit<TenantListQuery, 'after'> = {}): AsyncGenerator<Tenant> {
    for (let after: string | undefined; ;) {
      const page: TenantPage = await this.list({ ...query, ...(after === undefined ? {} : { after }) });
      yield* page.data;
      if (page.next_cursor === null) return;
      after = page.next_cursor;
    }
  }

  get(tenant: string): Promise<Tenant> {
    return unwrap('GET', this.ctx.api.GET('/v1/tenants/{tenant}', { params: { path: { tenant } } }));
  }

  /** Sets the fields given: safe to retry. */
  update(tenant: string, patch: TenantPatch): Promise<Tenant> {
    return unwrap('PATCH', this.ctx.api.PATCH('/v1/tenants/{tenant}', { params: { path: { tenant } }, body: patch, fetch: this.ctx.transport.fetchIdempotent }));
  }

  /** What the tenant's owners were told (webhooks disabled…), newest first. */
  async notices(tenant: string): Promise<Notice[]> {
    return (await unwrap('GET', this.ctx.api.GET('/v1/tenants/{tenant}/notices', { params: { path: { tenant } } }))).data;
  }
}

export class Tokens {
  constructor(private readonly ctx: Context) {}

  /** Admin: a token scoped to the tenant; its value is in the answer only. */
  create(tenant: string, input: TokenIn = {}): Promise<Token> {
    return unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/tokens', { params: { path: { tenant } }, body: input }));
  }

  /** Admin: the tenant's tokens, newest first, with their last 4 characters, never their values. */
  async list(tenant: string): Promise<TokenInfo[]> {
    return (await unwrap('GET', this.ctx.api.GET('/v1/tenants/{tenant}/tokens', { params: { path: { tenant } } }))).data;
  }

  /** Admin: the token stops working from the next request on. */
  async revoke(tenant: string, tokenId: string): Promise<void> {
    await unwrap('DELETE', this.ctx.api.DELETE('/v1/tenants/{tenant}/tokens/{token_id}', { params: { path: { tenant, token_id: tokenId } } }));
  }
}

export class Links {
  constructor(private readonly ctx: Context) {}

  /** Admin: a link that opens the tenant's page signed in until it expires (1 h by default); it cannot be revoked. */
  signIn(tenant: string, input: PageLinkIn = {}): Promise<PageLink> {
    return unwrap('POST', this.ctx.api.POST('/v1/tenants/{tenant}/page-links', { params: { path: { tenant } }, body: input }));
  }
}
