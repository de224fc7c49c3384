// Getting into the page: sign-in links (signed in at once, the token gone from the address bar,
// refused with a clear message once expired, signed out when it expires mid-session), and the
// admin token with its tenant picker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSuite, openPage, unexpected } from '../helpers/browser.ts';
import { ADMIN_TOKEN } from '../helpers/relais.ts';

describe('the tenant page: access', () => {
  const suite = browserSuite();
  const link = async (expiresIn?: string) =>
    (await suite.t.call<{ url: string; token: string }>('POST', `/v1/tenants/${suite.tenant}/page-links`, expiresIn ? { expires_in: expiresIn } : {})).body;

  it('opens signed in from a sign-in link, and takes the token out of the address bar', async () => {
    const { url, token } = await link();
    const { page, errors } = await openPage(suite.browser, url);
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByText('L\'entreprise').first().waitFor();
    await page.getByText('Signed in until').waitFor();
    assert.equal(await page.evaluate(() => location.hash), '#/webhooks');
    assert.ok(!(await page.evaluate(() => location.href)).includes(token));
    // Back in history: the sign-in entry no longer holds the token either.
    await page.goBack();
    assert.ok(!(await page.evaluate(() => location.href)).includes('rpl_'));
    // A reload keeps the session (sessionStorage, this tab only).
    await page.goto(`${suite.t.url}/#/catalog`);
    await page.getByRole('heading', { level: 1, name: 'Event catalog' }).waitFor();
    assert.deepEqual(unexpected(errors), []);
    await page.context().close();
  });

  it('refuses an expired link with a clear message, and takes a fresh one in the same tab', async () => {
    const { url } = await link('1s');
    await new Promise((r) => setTimeout(r, 1_100));
    const { page } = await openPage(suite.browser, url);
    await page.getByRole('alert').getByText('This sign-in link has expired.').waitFor();
    await page.getByLabel('Access token').waitFor();
    assert.ok(!(await page.evaluate(() => location.href)).includes('rpl_'));
    // A fresh link opened in the same tab changes only the fragment: it signs in all the same.
    const fresh = await link();
    await page.evaluate((hash) => { location.hash = hash; }, new URL(fresh.url).hash);
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    assert.ok(!(await page.evaluate(() => location.href)).includes('rpl_'));
    await page.context().close();
  });

  it('signs out with the reason when the link expires mid-session', async () => {
    const { url } = await link('2s');
    const { page } = await openPage(suite.browser, url);
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await new Promise((r) => setTimeout(r, 2_100));
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('alert').getByText('Your sign-in link has expired.').waitFor();
    await page.context().close();
  });

  it('says which token was refused', async () => {
    const { page } = await openPage(suite.browser, suite.t.url);
    const field = page.getByLabel('Access token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Enter your access token.').waitFor();
    await field.fill('rls_tnt_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This token is not valid, or it has expired.').waitFor();
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    await page.context().close();
  });

  it('lets the admin token pick any tenant', async () => {
    await suite.t.call('POST', '/v1/tenants', { id: 'globex', name: 'Globex' });
    const { page, errors } = await openPage(suite.browser, suite.t.url);
    await page.getByLabel('Access token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Choose a tenant' }).waitFor();
    await page.getByLabel('Tenant').selectOption('globex');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByText('Globex').first().waitFor();
    await page.getByRole('button', { name: 'Change tenant' }).click();
    await page.getByLabel('Tenant').selectOption('60');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByText('L\'entreprise').first().waitFor();
    assert.deepEqual(unexpected(errors), []);
    await page.context().close();
  });
});
