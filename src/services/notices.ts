// Telling a tenant's owners what happened to their webhooks. Every notice is kept on the tenant;
// it is also emailed to the tenant's notify_emails when RELAIS_SMTP_URL is set.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Notice, Webhook } from '../core/model.ts';
import { webhookDisabledNotice } from '../core/notices.ts';
import { newId } from '../ids.ts';
import type { ServiceDeps } from './deps.ts';

const QUOTED_ATTEMPTS = 3;

export function noticeService({ store, config, now, log }: ServiceDeps) {
  let mailer: Transporter | undefined;
  const transport = (): Transporter | undefined => (config.smtpUrl ? (mailer ??= nodemailer.createTransport(config.smtpUrl)) : undefined);

  return {
    async webhookDisabled(webhook: Webhook): Promise<void> {
      const tenant = await store.tenants.get(webhook.tenantId);
      const recipients = tenant?.notifyEmails ?? [];
      const attempts = await store.attempts.latestForWebhook(webhook.tenantId, webhook.id, QUOTED_ATTEMPTS);
      const { subject, body } = webhookDisabledNotice(webhook, attempts, now());
      const id = newId('ntc');
      await store.notices.create({ id, tenantId: webhook.tenantId, kind: 'webhook.disabled', subject, body, recipients, createdAt: now() });

      const smtp = transport();
      if (!smtp || recipients.length === 0) {
        log.warn({ tenant: webhook.tenantId, webhook: webhook.id, notice: id }, smtp ? 'notice kept: the tenant has no notify_emails' : 'notice kept: no RELAIS_SMTP_URL to email it');
        return;
      }
      try {
        await smtp.sendMail({ from: config.mailFrom, to: recipients, subject: `[Relais] ${subject}`, text: body });
        await store.notices.emailed(id, { emailedAt: now() });
      } catch (err) {
        log.error({ err, notice: id }, 'could not email a notice; it is kept on the tenant');
        await store.notices.emailed(id, { error: (err as Error).message });
      }
    },

    list: (tenantId: string, limit = 50): Promise<Notice[]> => store.notices.list(tenantId, limit),

    close(): void {
      mailer?.close();
    },
  };
}
export type NoticeService = ReturnType<typeof noticeService>;
