// The webhook form and the screens around it: API problems shown next to the fields they name,
// the live condition check, the live preview of the exact request, a test send answered at once,
// the filtered delivery log, the catalog, deleting behind a confirmation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite, describedBy, signIn, unexpected, type OpenedPage } from '../helpers/browser.ts';
import { flatchrApplicant } from '../fixtures/seeds.ts';

describe('the tenant page: editing', () => {
  const suite = browserSuite();
  let opened: OpenedPage;
  let page: Page;
  const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');

  it('shows the API\'s problems next to the fields they name', async () => {
    opened = await signIn(suite);
    page = opened.page;
    await page.getByRole('link', { name: 'Create your first webhook' }).click();
    const url = page.getByLabel('Endpoint URL');
    await url.fill('ftp://example.com/hook');
    await page.getByRole('checkbox', { name: 'drag_applicant' }).check();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'The webhook could not be saved' });
    await summary.waitFor();
    assert.equal(await focusedId(), await summary.getAttribute('id') ?? '', 'the summary takes focus');
    assert.match(await describedBy(url), /Invalid URL/i);
    assert.equal(await url.getAttribute('aria-invalid'), 'true');
    await summary.getByRole('link', { name: 'Endpoint URL' }).click();
    assert.equal(await focusedId(), 'wf-url', 'the summary links to the field');

    await url.fill(`${suite.receiver.url}/edit`);
    const condition = page.getByLabel('Condition');
    await condition.fill('data.applicant.score >');
    // Checked as it is typed…
    await page.getByText(/^Syntax error at position \d+:/).waitFor();
    // …and refused on save, next to the field.
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await summary.getByRole('link', { name: 'Condition' }).waitFor();
    assert.match(await describedBy(condition), /syntax error at position \d+/);
    assert.doesNotMatch(await describedBy(url), /Invalid URL/);
  });

  it('checks a valid condition against the example, and previews the exact request', async () => {
    await page.getByLabel('Condition').fill('data.applicant.score > 10');
    await page.getByText('For the example of drag_applicant it is false').waitFor();
    await page.getByLabel('Condition').fill('');
    await page.getByLabel('Payload format').selectOption('simple');
    await page.getByRole('button', { name: 'Add a header' }).click();
    await page.getByLabel('Header 1 name').fill('X-Api-Key');
    await page.getByLabel('Header 1 value').fill('hris-key-123');
    await page.getByText('Retries, failures and limits').click();
    await page.getByLabel('When a request fails').selectOption('none');
    const preview = page.getByRole('region', { name: 'Request preview' });
    await preview.getByText(`POST ${suite.receiver.url}/edit`).waitFor();
    const body = preview.getByRole('region', { name: 'Request body' });
    const expected = JSON.stringify({ data: flatchrApplicant, event: 'drag_applicant', company_id: 60 });
    await body.getByText(expected).waitFor();
    const fromApi = await suite.t.call<{ request: { body: string } }>('POST', `/v1/tenants/${suite.tenant}/webhooks/preview`,
      { webhook: { url: `${suite.receiver.url}/edit`, events: ['drag_applicant'], format: 'simple' } }, suite.tenantToken);
    assert.equal(await body.textContent(), fromApi.body.request.body);
    await preview.getByRole('row', { name: /content-type application\/json/ }).waitFor();

    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('Webhook created.').waitFor();
    await page.getByText('None: one attempt').waitFor();
  });

  it('edits it, keeping a secret header it only shows redacted', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit webhook' }).waitFor();
    assert.equal(await page.getByLabel('Header 1 value').inputValue(), '[redacted]');
    assert.equal(await page.getByLabel('Colonne').inputValue(), '');
    await page.getByLabel('Description').fill('Feeds the HRIS');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved.').waitFor();
    await page.getByText('Feeds the HRIS').waitFor();
  });

  it('sends a test event and shows the answer at once', async () => {
    suite.receiver.respond = (r) => (r.path === '/edit' ? { status: 503, body: 'maintenance' } : { status: 200 });
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText('Failed: your endpoint answered HTTP 503').waitFor();
    suite.receiver.respond = () => ({ status: 200 });
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText('Delivered: your endpoint answered HTTP 200').waitFor();
    const sent = suite.receiver.received.filter((r) => r.path === '/edit');
    assert.equal(sent.length, 2, 'one attempt each: retries are off');
    assert.equal(sent[1]!.headers['x-api-key'], 'hris-key-123', 'the stored header value was kept through the edit');
  });

  it('filters the tenant\'s delivery log by status', async () => {
    await page.getByRole('link', { name: 'Deliveries', exact: true }).click();
    const rows = page.getByRole('table', { name: 'Deliveries, newest first' }).locator('tbody tr');
    await rows.nth(1).waitFor();
    await page.getByLabel('Status').selectOption('succeeded');
    await page.waitForFunction(() => location.hash.includes('status=succeeded'));
    // The unfiltered rows stay until the filtered page arrives: wait for the other row to go.
    await rows.getByText('HTTP 503').waitFor({ state: 'detached' });
    await rows.getByText('Succeeded').waitFor();
    assert.equal(await rows.count(), 1);
    await page.getByLabel('Status').selectOption('failed');
    await rows.getByText('Succeeded').waitFor({ state: 'detached' });
    await rows.getByText('HTTP 503').waitFor();
    assert.equal(await rows.count(), 1);
    await page.getByLabel('Status').selectOption('cancelled');
    await page.getByRole('heading', { name: 'No deliveries match' }).waitFor();
  });

  it('documents each event type as seed 001 does', async () => {
    await page.getByRole('link', { name: 'Event catalog' }).click();
    const doc = page.getByRole('article', { name: 'drag_applicant' });
    await doc.getByText('Un candidat est déplacé sur une colonne').waitFor();
    await doc.getByRole('row', { name: 'applicant.column_id Colonne' }).waitFor();
    await doc.getByRole('row', { name: /applicant\.vacancy_id string Yes/ }).waitFor();
    assert.deepEqual(JSON.parse(await doc.getByRole('region', { name: 'Example of drag_applicant' }).textContent() ?? ''), flatchrApplicant);
  });

  it('deletes a webhook only once confirmed', async () => {
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('link', { name: `${suite.receiver.url}/edit` }).click();
    const remove = page.getByRole('button', { name: 'Delete…' });
    await remove.click();
    const dialog = page.getByRole('dialog', { name: 'Delete this webhook?' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'focus starts on the safe choice');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Delete…', 'focus returns to the button');
    assert.equal((await suite.t.call<{ data: unknown[] }>('GET', `/v1/tenants/${suite.tenant}/webhooks`)).body.data.length, 1);

    await remove.click();
    await dialog.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText('Webhook deleted.').waitFor();
    await page.getByRole('heading', { name: 'No webhooks yet' }).waitFor();
    assert.equal((await suite.t.call<{ data: unknown[] }>('GET', `/v1/tenants/${suite.tenant}/webhooks`)).body.data.length, 0);
    assert.deepEqual(unexpected(opened.errors), []);
  });

  it('creates a webhook as a Frappe product has it: its own secret, Frappe\'s signature, JSON form rows, never disabled', async () => {
    await page.getByRole('link', { name: 'Create your first webhook' }).click();
    await page.getByLabel('Endpoint URL').fill(`${suite.receiver.url}/frappe`);
    await page.getByRole('checkbox', { name: 'drag_applicant' }).check();
    await page.getByLabel('Payload format').selectOption('form');
    await page.getByLabel('Fields to send').fill('id=applicant.id, applicant.column_id');
    await page.getByLabel('Send them as one JSON object').check();
    await page.getByLabel('Signature').selectOption('frappe');
    await page.getByLabel('Secret (optional)').fill('le secret de Dokos');
    await page.getByRole('button', { name: 'Add a header' }).click();
    await page.getByLabel('Header 1 name').fill('X-Dokos-Site');
    await page.getByLabel('Header 1 value').fill('tiers-lieu-42');
    await page.getByRole('checkbox', { name: 'Secret header 1' }).check();
    await page.getByText('Retries, failures and limits').click();
    await page.getByLabel('Timeout (optional)').fill('5s');
    await page.getByLabel('Disable it after repeated failures').uncheck();
    const preview = page.getByRole('region', { name: 'Request preview' });
    await preview.getByRole('region', { name: 'Request body' })
      .getByText(`{"id": "${flatchrApplicant.applicant.id}", "applicant.column_id": "${flatchrApplicant.applicant.column_id}"}`).waitFor();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('Webhook created.').waitFor();
    const [saved] = (await suite.t.call<{ data: Record<string, unknown>[] }>('GET', `/v1/tenants/${suite.tenant}/webhooks`)).body.data;
    assert.deepEqual(
      { scheme: saved!.signature_scheme, fields: saved!.form_fields, type: saved!.content_type, timeout: saved!.timeout, auto: saved!.auto_disable, secret: saved!.secret_headers, headers: saved!.headers },
      {
        scheme: 'frappe', fields: [{ key: 'id', field: 'applicant.id' }, 'applicant.column_id'], type: 'application/json', timeout: '5s', auto: false,
        secret: ['x-dokos-site'], headers: { 'X-Dokos-Site': '[redacted]' },
      },
    );
    const secret = await suite.t.call<{ secret: string }>('GET', `/v1/tenants/${suite.tenant}/webhooks/${String(saved!.id)}/secret`);
    assert.equal(secret.body.secret, 'le secret de Dokos');
    assert.deepEqual(unexpected(opened.errors), []);
  });
});
