// Debian's Chromium driven by playwright-core: never a browser a tool downloads itself.
import { after, before } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { flatchrTypes } from '../fixtures/seeds.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { startRelais, type TestRelais } from './relais.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

export interface OpenedPage {
  page: Page;
  /** Uncaught errors and console errors the page produced. */
  errors: string[];
}

/** A fresh context (its own sessionStorage) at a laptop's size, recording the page's errors. */
export async function openPage(browser: Browser, url: string): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  await page.goto(url);
  return { page, errors };
}

/** Errors a test should fail on: not the console's note of each 4xx the page handled itself. */
export const unexpected = (errors: readonly string[]): string[] => errors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e));

/** What assistive technology reads after a control's name: the text of its aria-describedby elements. */
export async function describedBy(control: Locator): Promise<string> {
  return control.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
}

export interface BrowserSuite {
  t: TestRelais;
  receiver: Receiver;
  browser: Browser;
  /** Tenant "60" (Flatchr's company_id in seed 001), with the Flatchr catalog registered. */
  tenant: string;
  tenantToken: string;
}

/**
 * A browser suite's set-up: a real Relais on SQLite, a loopback receiver, Chromium, and seed 001's
 * catalog with one tenant and its token. Read the fields inside tests.
 */
export function browserSuite(env: Record<string, string> = {}): BrowserSuite {
  const suite = { tenant: '60' } as BrowserSuite;
  before(async () => {
    [suite.t, suite.receiver, suite.browser] = await Promise.all([startRelais('sqlite', env), startReceiver(), launchBrowser()]);
    for (const type of flatchrTypes) await suite.t.call('POST', '/v1/event-types', type);
    await suite.t.call('POST', '/v1/tenants', { id: suite.tenant, name: 'L\'entreprise' });
    suite.tenantToken = (await suite.t.call<{ token: string }>('POST', `/v1/tenants/${suite.tenant}/tokens`, {})).body.token;
  });
  after(async () => {
    await suite.browser?.close();
    await suite.t?.close();
    await suite.receiver?.close();
  });
  return suite;
}

/** Opens the page and signs in with a token through the form. */
export async function signIn(suite: BrowserSuite, token = suite.tenantToken): Promise<OpenedPage> {
  const opened = await openPage(suite.browser, suite.t.url);
  await opened.page.getByLabel('Access token').fill(token);
  await opened.page.getByRole('button', { name: 'Sign in' }).click();
  await opened.page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
  return opened;
}
