// The scenario in a real browser, driven by role and label as a user (or a screen
// reader) finds things: a Flatchr tenant (seed 001) creates a drag_applicant webhook with a
// column filter, one matching and one non-matching event go through the API, exactly one
// delivery shows with the body the receiver got; it is resent, the secret rotated, the webhook
// disabled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite, signIn, unexpected, type OpenedPage } from '../helpers/browser.ts';
import { flatchrApplicant } from '../fixtures/seeds.ts';
import { waitFor } from '../helpers/wait.ts';

const COLUMN = flatchrApplicant.applicant.column_id;
const ACTOR = { id: 7, name: 'Ann Martin', email: 'ann@example.com' };
const RESOURCE = { type: 'applicant', id: flatchrApplicant.applicant.id };
const moved = (column: string) => ({ ...flatchrApplicant, applicant: { ...flatchrApplicant.applicant, column_id: column } });

/** The rows of the delivery log on screen. */
const logRows = (page: Page) => page.getByRole('table', { name: 'Deliveries, newest first' }).locator('tbody tr');

describe('the tenant page: a webhook from creation to disabling', () => {
  const suite = browserSuite();
  let opened: OpenedPage;
  let page: Page;
  let webhookId: string;
  const api = <T>(method: string, path: string, body?: unknown) => suite.t.call<T>(method, `/v1/tenants/${suite.tenant}${path}`, body, suite.tenantToken);
  const received = () => suite.receiver.received.filter((r) => r.path === '/flatchr');

  it('signs in with a tenant token and explains the empty list', async () => {
    opened = await signIn(suite);
    page = opened.page;
    await page.getByRole('heading', { name: 'No webhooks yet' }).waitFor();
    assert.equal(await page.evaluate(() => location.hash), '#/webhooks');
  });

  it('creates a drag_applicant webhook with a column filter through the form', async () => {
    await page.getByRole('link', { name: 'Create your first webhook' }).click();
    await page.getByLabel('Endpoint URL').fill(`${suite.receiver.url}/flatchr`);
    await page.getByRole('checkbox', { name: 'drag_applicant' }).check();
    // The type's filter fields appear as inputs once it is chosen (seed 001: "l'offre … la colonne").
    await page.getByLabel('Colonne').fill(COLUMN);
    await page.getByLabel('Payload format').selectOption('simple');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('Webhook created.').waitFor();
    await page.getByRole('heading', { name: 'No deliveries yet' }).waitFor();
    webhookId = decodeURIComponent(await page.evaluate(() => location.hash)).split('/')[2]!.split('?')[0]!;
    const saved = await api<{ events: string[]; filters: unknown; format: string; enabled: boolean }>('GET', `/webhooks/${webhookId}`);
    assert.deepEqual(saved.body.events, ['drag_applicant']);
    assert.deepEqual(saved.body.filters, { 'applicant.column_id': [COLUMN] });
    assert.equal(saved.body.format, 'simple');
  });

  it('delivers the matching event only, and shows it with the body the receiver got', async () => {
    const sent = await Promise.all([moved(COLUMN), moved('Nk5aMxpQ4b9GZ2Oz')].map((data) => api<{ deliveries: number }>('POST', '/events', { type: 'drag_applicant', data, actor: ACTOR, resource: RESOURCE })));
    assert.deepEqual(sent.map((r) => r.body.deliveries), [1, 0]);
    await waitFor('the receiver to get the matching event', () => received().length === 1);
    // The webhook's log refreshes itself: one delivery, succeeded.
    await logRows(page).getByText('Succeeded').waitFor();
    assert.equal(await logRows(page).count(), 1);
    assert.equal(received().length, 1, 'the non-matching event was not sent');

    await logRows(page).getByRole('link', { name: 'drag_applicant' }).click();
    await page.getByRole('heading', { name: /^Attempt 1: Succeeded/ }).waitFor();
    const body = await page.getByRole('region', { name: 'Attempt 1 request body' }).textContent();
    assert.equal(body, received()[0]!.body);
    assert.deepEqual(JSON.parse(body!), { event: 'drag_applicant', data: moved(COLUMN), company_id: 60 }, 'seed 001\'s envelope');
    assert.match(await page.locator('h1').textContent() ?? '', /Delivery of drag_applicant/);
    // Who moved the applicant, and which one, as Frappe's request log shows the user and the document.
    assert.equal(await page.locator('.dl-row', { has: page.getByText('By', { exact: true }) }).locator('dd').textContent(), 'Ann Martin <ann@example.com> 7');
    assert.equal(await page.locator('.dl-row', { has: page.getByText('About', { exact: true }) }).locator('dd').textContent(), `applicant ${RESOURCE.id}`);
  });

  it('resends the delivery: the receiver gets the same body again, the log shows two', async () => {
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.getByText('Resent as a new delivery of the same event, with the same webhook-id.').waitFor();
    await waitFor('the resent request', () => received().length === 2);
    assert.equal(received()[1]!.body, received()[0]!.body);
    assert.equal(received()[1]!.headers['webhook-id'], received()[0]!.headers['webhook-id'], 'one message for a receiver that de-duplicates');
    await page.getByRole('link', { name: 'Open the new delivery' }).click();
    await page.getByText('A resend, by hand').waitFor();
    await page.goBack();
    await page.getByRole('link', { name: '← The webhook' }).click();
    await waitFor('two deliveries in the log', async () => (await logRows(page).getByText('Succeeded').count()) === 2);
  });

  it('shows, then rotates, the signing secret', async () => {
    const secret = page.getByRole('textbox', { name: 'Signing secret' });
    await page.getByRole('button', { name: 'Show' }).click();
    const before = (await api<{ secret: string }>('GET', `/webhooks/${webhookId}/secret`)).body.secret;
    await waitFor('the secret shown', async () => (await secret.inputValue()) === before);

    await page.getByRole('button', { name: 'Rotate…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText('New secret in force.').waitFor();
    const after = (await api<{ secret: string }>('GET', `/webhooks/${webhookId}/secret`)).body.secret;
    assert.notEqual(after, before);
    assert.equal(await secret.inputValue(), after);
    assert.equal(await dialog.isVisible(), false);
  });

  it('disables the webhook: the page and the API agree', async () => {
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('Webhook disabled').waitFor();
    assert.equal((await api<{ enabled: boolean }>('GET', `/webhooks/${webhookId}`)).body.enabled, false);
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    await page.getByRole('link', { name: '← Webhooks' }).click();
    const row = page.getByRole('row', { name: new RegExp(`${suite.receiver.url}/flatchr`) });
    await row.getByText('Disabled').waitFor();
    await row.getByText('2 sent, none failed').waitFor();
    assert.deepEqual(unexpected(opened.errors), []);
  });
});
