import { z } from 'zod';
import type { Notice, Tenant } from '../core/model.ts';
import { PAGE_LINK_MAX_TTL_MS } from '../core/page-links.ts';
import { MAX_TOKEN_TTL_MS } from '../core/duration.ts';
import type { TokenInfo } from '../store/store.ts';
import { durationWithin, Iso, iso, isoOrNull, TenantId } from './common.ts';

export const TenantIn = z.strictObject({
  id: TenantId.optional().describe('Your own id for this customer (e.g. company_id); generated when absent'),
  name: z.string().min(1).max(200),
  notify_emails: z.array(z.email().max(254)).max(20).optional().describe('Who is emailed when a webhook is disabled'),
  export_key: z.string().max(200).nullable().optional()
    .describe('Sent as export_key by its "audit" webhooks that have none of their own, as HireHop\'s company export key'),
}).meta({ id: 'TenantIn' });
export type TenantIn = z.infer<typeof TenantIn>;

export const TenantPatch = TenantIn.omit({ id: true }).partial().meta({ id: 'TenantPatch' });
export type TenantPatch = z.infer<typeof TenantPatch>;

export const TenantOut = z.object({
  id: z.string(),
  name: z.string(),
  notify_emails: z.array(z.string()),
  export_key: z.string().nullable(),
  created_at: Iso,
}).meta({ id: 'TenantOut' });

export const toTenantOut = (t: Tenant): z.infer<typeof TenantOut> => ({
  id: t.id, name: t.name, notify_emails: t.notifyEmails, export_key: t.exportKey, created_at: iso(t.createdAt),
});

export const TenantListQuery = z.strictObject({
  after: TenantId.optional().describe('Cursor: the next_cursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const TenantPage = z.object({
  data: z.array(TenantOut),
  next_cursor: z.string().nullable(),
}).meta({ id: 'TenantPage' });

export const TokenIn = z.strictObject({
  name: z.string().min(1).max(100).optional().describe('What the token is for, e.g. "zapier": shown when tokens are listed'),
  expires_in: durationWithin(1_000, MAX_TOKEN_TTL_MS, 'between 1s and 1825d (5 years)').optional()
    .describe('Lifetime of the token, e.g. 1h, at most 1825d; when absent, the server\'s RELAIS_TOKEN_TTL, or no expiry when that is unset'),
}).meta({ id: 'TokenIn' });
export type TokenIn = z.infer<typeof TokenIn>;

export const TokenOut = z.object({
  id: z.string().describe('Names the token to revoke it'),
  token: z.string().describe('Bearer token for this tenant only; shown once'),
  name: z.string().nullable(),
  expires_at: Iso.nullable(),
}).meta({ id: 'TokenOut' });

export const TokenParams = z.object({ tenant: TenantId, token_id: z.string().min(1).max(100) });

export const TokenInfoOut = z.object({
  id: z.string(),
  name: z.string().nullable(),
  last_chars: z.string().nullable().describe('The token\'s last 4 characters, to recognise it; null for tokens made before names were kept'),
  created_at: Iso,
  expires_at: Iso.nullable().describe('Expired tokens are listed until revoked; null: it does not expire'),
}).meta({ id: 'TokenInfoOut' });

export const toTokenInfoOut = (t: TokenInfo): z.infer<typeof TokenInfoOut> => ({
  id: t.id, name: t.name, last_chars: t.lastChars, created_at: iso(t.createdAt), expires_at: isoOrNull(t.expiresAt),
});

export const PageLinkIn = z.strictObject({
  expires_in: durationWithin(1_000, PAGE_LINK_MAX_TTL_MS, 'between 1s and 24h').optional().describe('How long the link works, e.g. 15m; 1h when absent, 24h at most'),
}).meta({ id: 'PageLinkIn' });

export const PageLinkOut = z.object({
  url: z.string().describe('Opens the page signed in for this tenant (RELAIS_PUBLIC_URL, or the address this request was made to)'),
  token: z.string().describe('The credential the link carries: a bearer token for this tenant until expires_at'),
  expires_at: Iso,
}).meta({ id: 'PageLinkOut' });

export const MeOut = z.object({
  role: z.enum(['admin', 'tenant']),
  tenant_id: z.string().nullable().describe('The tenant a tenant token or sign-in link is for; null for the admin'),
  expires_at: Iso.nullable().describe('When this credential stops working; null when it does not expire'),
}).meta({ id: 'MeOut' });

export const NoticeOut = z.object({
  id: z.string(),
  kind: z.string(),
  subject: z.string(),
  body: z.string(),
  recipients: z.array(z.string()),
  created_at: Iso,
  emailed_at: Iso.nullable().describe('When it was emailed; null when no SMTP is configured, there were no recipients, or sending failed'),
  email_error: z.string().nullable(),
}).meta({ id: 'NoticeOut' });

export const toNoticeOut = (n: Notice): z.infer<typeof NoticeOut> => ({
  id: n.id, kind: n.kind, subject: n.subject, body: n.body, recipients: n.recipients,
  created_at: iso(n.createdAt), emailed_at: isoOrNull(n.emailedAt), email_error: n.emailError,
});
