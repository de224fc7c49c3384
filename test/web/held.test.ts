// Deliveries held for a webhook Relais disabled (its receiver kept failing) read "Held" in the log,
// have a filter of their own, and say on their page that they go once the webhook is enabled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSuite, signIn, unexpected } from '../helpers/browser.ts';
import { flatchrApplicant } from '../fixtures/seeds.ts';
import { waitFor } from '../helpers/wait.ts';

describe('the tenant page: held deliveries', () => {
  const suite = browserSuite({ RELAIS_DISABLE_AFTER_FAILURES: '3', RELAIS_DISABLE_AFTER: '0', RELAIS_RETRY_SCHEDULE: '0,50ms,50ms,50ms' });
  const api = <T>(method: string, path: string, body?: unknown) => suite.t.call<T>(method, `/v1/tenants/${suite.tenant}${path}`, body, suite.tenantToken);

  it('shows them held, filters them, and says when they go', async () => {
    suite.receiver.respond = (r) => ({ status: r.path === '/failing' ? 500 : 200 });
    const created = await api<{ id: string }>('POST', '/webhooks', { url: `${suite.receiver.url}/failing`, events: ['drag_applicant'] });
    assert.equal(created.status, 201);
    await api('POST', '/events', { type: 'drag_applicant', data: flatchrApplicant });
    await waitFor('the webhook disabled', async () => (await api<{ disabled_reason: string | null }>('GET', `/webhooks/${created.body.id}`)).body.disabled_reason ?? undefined);
    for (let i = 0; i < 2; i++) assert.equal((await api<{ deliveries: number }>('POST', '/events', { type: 'drag_applicant', data: flatchrApplicant })).body.deliveries, 1);

    const { page, errors } = await signIn(suite);
    await page.getByRole('link', { name: 'Deliveries', exact: true }).click();
    await page.getByLabel('Status').selectOption('held');
    const rows = page.getByRole('table', { name: 'Deliveries, newest first' }).locator('tbody tr');
    await waitFor('three held rows', async () => (await rows.filter({ hasText: 'until its webhook is enabled' }).count()) === 3);
    assert.equal(await rows.count(), 3, 'only held deliveries');
    assert.equal(await rows.first().getByText('Held', { exact: true }).count(), 1, 'the status reads Held');
    await rows.first().getByRole('link', { name: 'drag_applicant' }).click();
    await page.getByText(/^Held while its webhook is disabled/).waitFor();
    assert.deepEqual(unexpected(errors), []);
  });
});
