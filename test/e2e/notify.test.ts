// A disabled webhook's owners are told: by email over SMTP when it is configured, and always by
// a notice kept on the tenant.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { startRelais, type TestRelais } from '../helpers/relais.ts';
import { startSmtp, type Mailbox } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';

interface Notice { kind: string; subject: string; body: string; recipients: string[]; emailed_at: string | null }
const FAIL_FAST = { RELAIS_DISABLE_AFTER_FAILURES: '2', RELAIS_DISABLE_AFTER: '0', RELAIS_RETRY_SCHEDULE: '0,20ms,20ms' };

async function breakWebhook(t: TestRelais, receiver: Receiver, tenant: string, emails: string[]): Promise<string> {
  receiver.respond = () => ({ status: 502, body: 'bad gateway upstream' });
  await t.call('POST', '/v1/tenants', { id: tenant, name: tenant, notify_emails: emails });
  await t.call('POST', '/v1/event-types', { name: 'mail.event' });
  const { body } = await t.call<{ id: string }>('POST', `/v1/tenants/${tenant}/webhooks`, { url: `${receiver.url}/broken`, events: ['mail.event'] });
  await t.call('POST', `/v1/tenants/${tenant}/events`, { type: 'mail.event', data: {} });
  return body.id;
}

for (const engine of ENGINES) {
  describe(`notices: ${engine}`, () => {
    let smtp: Mailbox;
    let receiver: Receiver;
    let t: TestRelais;
    before(async () => {
      smtp = await startSmtp();
      receiver = await startReceiver();
      t = await startRelais(engine, { ...FAIL_FAST, RELAIS_SMTP_URL: smtp.url, RELAIS_MAIL_FROM: 'relais@product.test' });
    });
    after(async () => {
      await t.close();
      await receiver.close();
      await smtp.close();
    });

    it('emails the tenant\'s notify_emails when a webhook is disabled, and keeps the notice', async () => {
      const id = await breakWebhook(t, receiver, 'mailed', ['ops@tenant.test', 'cto@tenant.test']);
      const mail = await waitFor('the email', () => smtp.messages.find((m) => m.text?.includes(id)));
      assert.equal(mail.from?.text, 'relais@product.test');
      assert.deepEqual((Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a?.value.map((v) => v.address)), ['ops@tenant.test', 'cto@tenant.test']);
      assert.match(mail.subject ?? '', /Webhook disabled: http:\/\/127\.0\.0\.1:\d+\/broken/);
      const text = mail.text ?? '';
      assert.match(text, /2 failed attempts in a row/, 'why');
      assert.match(text, /failing since \d{4}-\d\d-\d\d/, 'since when');
      assert.match(text, /HTTP 502 "bad gateway upstream"/, 'the last errors');
      assert.match(text, new RegExp(`PATCH /v1/tenants/mailed/webhooks/${id}\\s+\\{"enabled": true\\}`), 'how to re-enable');

      // The notice is marked once the SMTP conversation has ended, just after the mailbox has the mail.
      const notices = await waitFor('the notice marked as emailed', async () => {
        const data = (await t.call<{ data: Notice[] }>('GET', '/v1/tenants/mailed/notices')).body.data;
        return data.some((n) => n.emailed_at) && data;
      });
      assert.equal(notices.length, 1);
      assert.equal(notices[0]?.kind, 'webhook.disabled');
      assert.ok(notices[0]?.emailed_at, 'marked as emailed');
    });
  });

  describe(`notices without SMTP: ${engine}`, () => {
    let receiver: Receiver;
    let t: TestRelais;
    before(async () => {
      receiver = await startReceiver();
      t = await startRelais(engine, FAIL_FAST);
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('keeps the notice on the tenant and logs it', async () => {
      const id = await breakWebhook(t, receiver, 'kept', ['ops@tenant.test']);
      const notices = await waitFor('the notice', async () => {
        const list = (await t.call<{ data: Notice[] }>('GET', '/v1/tenants/kept/notices')).body.data;
        return list.length ? list : undefined;
      });
      assert.equal(notices[0]?.emailed_at, null);
      assert.match(notices[0]?.body ?? '', new RegExp(id));
      assert.ok(t.logs.some((l) => l.includes('notice kept: no RELAIS_SMTP_URL')));
    });
  });
}
