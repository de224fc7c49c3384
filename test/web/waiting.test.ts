// A delivery waiting behind its webhook (here, its rate limit) reads so in the log and on its own
// page, rather than showing a next-attempt time it will not wait for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSuite, signIn, unexpected } from '../helpers/browser.ts';
import { flatchrApplicant } from '../fixtures/seeds.ts';
import { waitFor } from '../helpers/wait.ts';

const EVENTS = 8;

describe('the tenant page: deliveries waiting for their webhook', () => {
  const suite = browserSuite();
  const api = <T>(method: string, path: string, body?: unknown) => suite.t.call<T>(method, `/v1/tenants/${suite.tenant}${path}`, body, suite.tenantToken);

  it('says they wait for their webhook, and on a delivery\'s page the latest time it will go', async () => {
    // One a second: the later deliveries wait in the webhook's lane for seconds.
    const created = await api<{ id: string }>('POST', '/webhooks', { url: `${suite.receiver.url}/paced`, events: ['drag_applicant'], rate_limit: 1 });
    assert.equal(created.status, 201);
    for (let i = 0; i < EVENTS; i++) assert.equal((await api('POST', '/events', { type: 'drag_applicant', data: flatchrApplicant })).status, 202);
    await waitFor('a delivery waiting for its webhook', async () =>
      (await api<{ data: { waiting_for_webhook: boolean }[] }>('GET', '/deliveries')).body.data.some((d) => d.waiting_for_webhook) || undefined);

    const { page, errors } = await signIn(suite);
    await page.getByRole('link', { name: 'Deliveries', exact: true }).click();
    const waiting = page.getByRole('table', { name: 'Deliveries, newest first' }).locator('tbody tr').filter({ hasText: 'waiting for its webhook' });
    await waiting.first().waitFor();
    assert.equal(await waiting.first().getByText(/^next /).count(), 0, 'no time of its own');
    await waiting.first().getByRole('link', { name: 'drag_applicant' }).click();
    await page.getByText(/^As soon as its webhook can take it .*; at the latest/).waitFor();
    assert.deepEqual(unexpected(errors), []);
  });
});
