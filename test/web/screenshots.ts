// `npm run screenshots`: the main screens of the page, at a laptop's size, into docs/screenshots/
// (shown in the README). Seed 001's catalog, a few webhooks and real deliveries to a loopback
// receiver; nothing leaves the machine.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { flatchrApplicant, flatchrTypes } from '../fixtures/seeds.ts';
import { launchBrowser, openPage } from '../helpers/browser.ts';
import { closedPort, startReceiver } from '../helpers/receiver.ts';
import { startRelais } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const OUT = new URL('../../docs/screenshots/', import.meta.url).pathname;
const TENANT = '60';

const catalog = [
  ...flatchrTypes,
  { name: 'new_message', description: 'Nouveau message envoyé à un candidat', example: { text: '<p>Candidat sérieux et motivé</p>', applicant_id: 1687, candidate_id: 1490, vacancy_id: '0LEZBvp5WWnMoVmg' }, filters: [{ field: 'vacancy_id', label: 'Offre' }] },
  { name: 'new_vacancy', description: 'Nouvelle offre créée', example: { vacancy_id: 'vADYjo9m0LnkR0ry', vacancy: { title: 'Testeur de jeux video', reference: 'test-video-202201' } } },
];

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300); // let debounced previews and checks settle
  await page.screenshot({ path: `${OUT}${name}.png` });
  process.stdout.write(`docs/screenshots/${name}.png\n`);
}

const t = await startRelais('sqlite', { RELAIS_RETRY_SCHEDULE: '0,100ms,100ms' });
const receiver = await startReceiver((r, i) => (r.path === '/ats-sync' && i % 3 === 0 ? { status: 500, body: '{"error":"database is locked"}', headers: { 'content-type': 'application/json' } } : { status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } }));
const browser = await launchBrowser();
try {
  mkdirSync(OUT, { recursive: true });
  const call = <T>(method: string, path: string, body?: unknown) => t.call<T>(method, `/v1/tenants/${TENANT}${path}`, body);
  for (const type of catalog) await t.call('POST', '/v1/event-types', type);
  await t.call('POST', '/v1/tenants', { id: TENANT, name: 'L\'entreprise' });
  const column = flatchrApplicant.applicant.column_id;
  const hris = await call<{ id: string }>('POST', '/webhooks', {
    url: `${receiver.url}/hris/applicants`, description: 'Hired candidates into the HRIS', events: ['drag_applicant'], format: 'simple', filters: { 'applicant.column_id': [column] },
  });
  await call('POST', '/webhooks', { url: `${receiver.url}/ats-sync`, events: ['new_applicant', 'drag_applicant', 'new_message'], description: 'ATS mirror' });
  await call('POST', '/webhooks', { url: `http://127.0.0.1:${await closedPort()}/slack`, events: ['new_message'], retry: { mode: 'none' }, description: 'Team chat' });
  await call('POST', '/webhooks', { url: `${receiver.url}/archive`, events: ['*'], enabled: false, description: 'Archive (paused)' });
  const moved = (c: string, id: number) => ({ ...flatchrApplicant, applicant: { ...flatchrApplicant.applicant, column_id: c, id: `app-${id}` } });
  for (let i = 0; i < 4; i++) await call('POST', '/events', { type: 'drag_applicant', data: moved(i % 2 ? 'Nk5aMxpQ4b9GZ2Oz' : column, i) });
  await call('POST', '/events', { type: 'new_applicant', data: flatchrApplicant });
  await call('POST', '/events', { type: 'new_message', data: catalog[2]!.example });
  await waitFor('every delivery settled', async () => {
    const log = (await call<{ data: { status: string }[] }>('GET', '/deliveries')).body.data;
    return log.length >= 8 && log.every((d) => d.status === 'succeeded' || d.status === 'failed');
  }, 20_000);

  const { page } = await openPage(browser, t.url);
  await page.getByRole('heading', { name: 'Sign in to manage your webhooks' }).waitFor();
  await shoot(page, 'sign-in');

  const { token } = (await t.call<{ token: string }>('POST', `/v1/tenants/${TENANT}/page-links`, {})).body;
  await page.goto(`${t.url}/#/signin?link=${token}`);
  await page.getByRole('table').waitFor();
  await shoot(page, 'webhooks');

  await page.getByRole('link', { name: 'New webhook' }).click();
  await page.getByLabel('Endpoint URL').fill('https://hris.example.com/hooks/flatchr');
  await page.getByRole('checkbox', { name: 'drag_applicant' }).check();
  await page.getByLabel('Colonne').fill(column);
  await page.getByLabel('Condition').fill('data.candidate.consent == true');
  await page.getByLabel('Payload format').selectOption('simple');
  await page.getByText('For the example of drag_applicant it is true').waitFor();
  await page.getByLabel('Other event patterns').evaluate((el) => el.scrollIntoView());
  await page.getByRole('region', { name: 'Request body' }).waitFor();
  await shoot(page, 'webhook-form');

  await page.goto(`${t.url}/#/webhooks/${hris.body.id}`);
  await page.getByRole('table', { name: 'Deliveries, newest first' }).waitFor();
  await shoot(page, 'webhook');

  await page.goto(`${t.url}/#/deliveries`);
  await page.getByRole('table', { name: 'Deliveries, newest first' }).waitFor();
  await shoot(page, 'deliveries');

  const retried = (await call<{ data: { id: string; attempt_count: number }[] }>('GET', '/deliveries')).body.data.find((d) => d.attempt_count > 1);
  await page.goto(`${t.url}/#/deliveries/${retried?.id ?? ''}`);
  await page.getByRole('heading', { name: /^Attempt 2/ }).waitFor();
  await shoot(page, 'delivery');

  await page.goto(`${t.url}/#/catalog/drag_applicant`);
  await page.getByRole('article', { name: 'drag_applicant' }).waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shoot(page, 'catalog');
} finally {
  await browser.close();
  await t.close();
  await receiver.close();
}
