import { z } from 'zod';
import type { Notice, Tenant } from '../core/model.ts';
import { Duration, Iso, iso, isoOrNull, TenantId } from './common.ts';

export const TenantIn = z.strictObject({
  id: TenantId.optional().describe('Your own id for this customer (e.g. company_id); generated when absent'),
  name: z.string().min(1).max(200),
  notify_emails: z.array(z.email()).max(20).optional().describe('Who is emailed when a webhook is disabled'),
}).meta({ id: 'TenantIn' });
export type TenantIn = z.infer<typeof TenantIn>;

export const TenantOut = z.object({
  id: z.string(),
  name: z.string(),
  notify_emails: z.array(z.string()),
  created_at: Iso,
}).meta({ id: 'TenantOut' });

export const toTenantOut = (t: Tenant): z.infer<typeof TenantOut> => ({
  id: t.id, name: t.name, notify_emails: t.notifyEmails, created_at: iso(t.createdAt),
});

export const TokenIn = z.strictObject({
  expires_in: Duration.optional().describe('Lifetime of the token, e.g. 1h; no expiry when absent'),
}).meta({ id: 'TokenIn' });
export type TokenIn = z.infer<typeof TokenIn>;

export const TokenOut = z.object({
  token: z.string().describe('Bearer token for this tenant only; shown once'),
  expires_at: Iso.nullable(),
}).meta({ id: 'TokenOut' });

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
