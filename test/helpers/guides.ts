// The product guides (docs/guides/<product>/) under test: their import files loaded with
// `relais import` as a user runs it, their receivers run as the product's integrators run them
// (a process of their own: node, python3, php -S), and a real Relais delivering to them.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { Engine } from '../../src/store/store.ts';
import { makeEngine, type EngineFixture } from './engines.ts';
import { closedPort } from './receiver.ts';
import { startRelais, testEnv, type TestRelais } from './relais.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/relais.js', import.meta.url).pathname;
export const GUIDES = new URL('../../docs/guides/', import.meta.url).pathname;

export interface GuideCatalog {
  event_types: { name: string; example: unknown }[];
}
export interface GuideWebhook {
  tenant: string;
  id: string;
  url: string;
  secret?: string;
  [field: string]: unknown;
}
export interface GuideWebhooks {
  tenants: { id: string; export_key?: string }[];
  webhooks: GuideWebhook[];
}
export interface ImportSummary {
  event_types: { created: string[]; updated: string[] };
  tenants: { created: string[]; export_key_updated: string[]; kept: string[] };
  webhooks: { created: string[]; skipped: string[]; failed: string[] };
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

export function readGuide(product: string): { catalog: GuideCatalog; webhooks: GuideWebhooks } {
  return { catalog: readJson(join(GUIDES, product, 'catalog.json')) as GuideCatalog, webhooks: readJson(join(GUIDES, product, 'webhooks.json')) as GuideWebhooks };
}

/** The file with every webhook sent to `base` (a loopback receiver) instead, each URL's path kept. */
export function pointedAt(file: GuideWebhooks, base: string): GuideWebhooks {
  return { ...file, webhooks: file.webhooks.map((w) => ({ ...w, url: base + new URL(w.url).pathname })) };
}

/**
 * `relais import` of `content` (written to a file as JSON; a string as it is) into the fixture's
 * database. Rejects as execFile does: the error has the exit `code`, `stdout` and `stderr`.
 */
export async function relaisImport(fixture: EngineFixture, content: unknown): Promise<{ summary: ImportSummary; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-import-'));
  const path = join(dir, 'import.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  const env = { ...process.env, ...testEnv(fixture) };
  try {
    // As a user does: `relais import` works on a database that exists (`relais serve` or `relais migrate` makes it).
    if (!fixture.databaseUrl && !existsSync(fixture.sqlitePath)) await run(process.execPath, [BIN, 'migrate'], { env, timeout: 60_000 });
    const { stdout, stderr } = await run(process.execPath, [BIN, 'import', path], { env, timeout: 60_000 });
    return { summary: JSON.parse(stdout) as ImportSummary, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const canConnect = (port: number): Promise<boolean> => new Promise((resolve) => {
  const socket = connect(port, '127.0.0.1');
  socket.on('connect', () => { socket.destroy(); resolve(true); });
  socket.on('error', () => resolve(false));
});

export interface ReceiverProcess {
  url: string;
  /** What the receiver wrote down so far: one parsed JSON line per request (RECEIVED_LOG). */
  entries<T>(): T[];
  close(): Promise<void>;
}

/** Runs a guide's receiver in its own folder with PORT and RECEIVED_LOG set, once it accepts connections. */
export async function startReceiverProcess(command: string, args: (port: number) => string[], cwd: string, env: Record<string, string> = {}): Promise<ReceiverProcess> {
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'relais-guide-'));
  const log = join(dir, 'received.jsonl');
  const proc: ChildProcess = spawn(command, args(port), { cwd, env: { ...process.env, ...env, PORT: String(port), RECEIVED_LOG: log }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => { output += c.toString('utf8'); });
  proc.stderr!.on('data', (c: Buffer) => { output += c.toString('utf8'); });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  await waitFor(`${command} listening on ${port}`, async () => {
    if (proc.exitCode !== null) throw new Error(`${command} exited (${proc.exitCode}): ${output}`);
    return canConnect(port);
  }, 15_000);
  return {
    url: `http://127.0.0.1:${port}`,
    entries: <T>() => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as T) : []),
    async close() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How a guide's receiver is run: `command args…` in the guide's folder. */
export interface ReceiverCommand {
  command: string;
  args: (port: number) => string[];
  env?: Record<string, string>;
  /** How to get the command when it is missing (php, python3). */
  install: string;
}

export interface GuideSuite {
  t: TestRelais;
  receiver: ReceiverProcess;
  catalog: GuideCatalog;
  webhooks: GuideWebhooks;
  imported: { catalog: ImportSummary; webhooks: ImportSummary };
  /** Why the suite cannot run here (its receiver's command is missing): the test skips. */
  missing: string | undefined;
  example(type: string): unknown;
  /** POST /v1/tenants/:tenant/events; answers the number of deliveries. */
  send(tenant: string, event: Record<string, unknown>): Promise<number>;
}

/**
 * The usual guide suite: a fresh database, the guide's receiver, its catalog.json and
 * webhooks.json (pointed at the receiver) imported, then a Relais on that database. A receiver
 * whose command is missing fails the suite under CI=true (.ci/run installs it) and skips it elsewhere.
 */
export function guideSuite(engine: Engine, product: string, receiver: ReceiverCommand): GuideSuite {
  const suite = { missing: undefined } as GuideSuite;
  let fixture: EngineFixture | undefined;
  before(async () => {
    if (spawnSync(receiver.command, ['--version'], { stdio: 'ignore' }).status !== 0) {
      const missing = `${receiver.command} is not installed (${receiver.install})`;
      if (process.env.CI === 'true') throw new Error(`${missing}: the ${product} guide's receiver cannot run`);
      suite.missing = missing;
      return;
    }
    const files = readGuide(product);
    suite.catalog = files.catalog;
    suite.webhooks = files.webhooks;
    fixture = await makeEngine(engine);
    suite.receiver = await startReceiverProcess(receiver.command, receiver.args, join(GUIDES, product), receiver.env);
    suite.imported = {
      catalog: (await relaisImport(fixture, files.catalog)).summary,
      webhooks: (await relaisImport(fixture, pointedAt(files.webhooks, suite.receiver.url))).summary,
    };
    suite.t = await startRelais(engine, {}, fixture);
  });
  after(async () => {
    await suite.t?.close();
    await suite.receiver?.close();
    await fixture?.dispose();
  });
  suite.example = (type) => {
    const found = suite.catalog.event_types.find((e) => e.name === type);
    if (!found) throw new Error(`no ${type} in the ${product} catalog`);
    return found.example;
  };
  suite.send = async (tenant, event) => {
    const res = await suite.t.call<{ deliveries: number }>('POST', `/v1/tenants/${tenant}/events`, event);
    if (res.status !== 202) throw new Error(`send ${String(event.type)}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.deliveries;
  };
  return suite;
}

/** True when the suite runs; otherwise skips the test, saying why. */
export function runs(suite: GuideSuite, t: TestContext): boolean {
  if (suite.missing === undefined) return true;
  t.skip(suite.missing);
  return false;
}
