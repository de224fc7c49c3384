// Relais as `npm ci` leaves it: the build in dist/ runs with plain node (no tsx, no esbuild, no
// child process beside it), the CLI answers --help and --version without loading the server,
// and `npm start` passes SIGTERM on to the server rather than leaving it orphaned.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { makeEngine, type EngineFixture } from '../helpers/engines.ts';
import { ROOT, exitWithin, killChild, spawnRelais, type Child } from '../helpers/child.ts';
import { testEnv } from '../helpers/relais.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const BIN = join(ROOT, 'bin/relais.js');
const DIST = join(ROOT, 'dist');

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

describe('the build', () => {
  it('holds JavaScript only, nothing from bench/ or test/, and the page under content-hashed names', () => {
    const built = [...files(DIST)].map((f) => f.slice(DIST.length + 1));
    assert.ok(built.includes('cli/main.js') && built.includes('dispatcher/thread-main.js') && built.includes('render/render-worker.mjs'));
    assert.deepEqual(built.filter((f) => /\.(ts|tsx)$/.test(f) && !f.endsWith('.d.ts')), [], 'no TypeScript to compile at run time');
    assert.deepEqual(built.filter((f) => f.includes('.test.')), [], 'no tests');
    for (const f of built.filter((name) => /\.m?js$/.test(name))) {
      const code = readFileSync(join(DIST, f), 'utf8');
      assert.doesNotMatch(code, /from ['"][^'"]*\/(bench|test)\//, `${f} imports from bench/ or test/`);
      assert.doesNotMatch(code, /['"](tsx|tsx\/[^'"]*|esbuild)['"]/, `${f} needs tsx or esbuild at run time`);
    }
    const manifest = JSON.parse(readFileSync(join(DIST, 'web/manifest.json'), 'utf8')) as Record<string, string>;
    assert.match(manifest.js!, /^app\.[0-9a-f]{12}\.js$/);
    assert.match(manifest.css!, /^app\.[0-9a-f]{12}\.css$/);
    assert.ok(existsSync(join(DIST, 'web', manifest.js!)) && existsSync(join(DIST, 'web', manifest.css!)));
  });

  it('answers --help, and --version with the package\'s', async () => {
    const help = await run(process.execPath, [BIN, '--help'], { cwd: ROOT });
    assert.match(help.stdout, /Usage: relais/);
    for (const command of ['serve', 'migrate', 'send', 'import', 'rotate-key', 'backup']) assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`));
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal((await run(process.execPath, [BIN, '--version'])).stdout.trim(), version);
  });
});

describe('npm start', () => {
  let fixture: EngineFixture;
  before(async () => { fixture = await makeEngine('sqlite'); });
  after(() => fixture.dispose());

  it('passes SIGTERM to the server: it stops its work and exits, and nothing is left listening', async () => {
    const env = { ...process.env, ...testEnv(fixture), RELAIS_PORT: '0' };
    // Its own process group, so that whatever is left can be killed at the end whatever happened.
    const npm = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    npm.stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    npm.stderr.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    const npmExited = new Promise<number | string>((resolve) => npm.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    try {
      const url = await waitFor('the server behind npm start to print its URL', () => /API and page:\s+(http:\/\/\S+)/.exec(out)?.[1], 30_000);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      npm.kill('SIGTERM');
      await npmExited;
      await waitFor('the server to stop answering', async () => {
        try { await fetch(`${url}/healthz`); return false; } catch { return true; }
      }, 15_000);
      assert.match(out, /"signal":"SIGTERM"/, 'the server itself got the signal and said so');
    } finally {
      try { process.kill(-npm.pid!, 'SIGKILL'); } catch { /* the whole group is gone: as it should be */ }
    }
  });
});

describe('relais serve from the build', () => {
  let fixture: EngineFixture;
  let child: Child | undefined;
  before(async () => { fixture = await makeEngine('sqlite'); });
  after(async () => { await killChild(child); fixture.dispose(); });

  it('runs no helper process and serves the page\'s hashed assets', async () => {
    child = await spawnRelais(testEnv(fixture));
    const page = await (await fetch(`${child.url}/`)).text();
    const manifest = JSON.parse(readFileSync(join(DIST, 'web/manifest.json'), 'utf8')) as Record<string, string>;
    assert.ok(page.includes(`assets/${manifest.js}`) && page.includes(`assets/${manifest.css}`));
    const asset = await fetch(`${child.url}/assets/${manifest.js}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    // ps exits 1 when it lists nothing.
    const children = (await run('ps', ['-o', 'pid=,args=', '--ppid', String(child.proc.pid)]).catch((err: { code: number; stdout: string }) => (err.code === 1 ? err : Promise.reject(err)))).stdout.trim();
    assert.equal(children, '', `no esbuild service or other helper beside the server: ${children}`);
    child.proc.kill('SIGTERM');
    assert.equal(await exitWithin(child, 15_000), 0);
  });
});
