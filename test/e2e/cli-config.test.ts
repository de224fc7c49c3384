// A configuration the command cannot use stops it before it does anything: exit 2, one line on
// stderr per bad variable, naming it, no stack trace. `relais send` and `relais import` do not
// start a new SQLite file where none is; `relais serve` says which database it uses.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { killChild, ROOT, spawnRelais } from '../helpers/child.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/relais.js', import.meta.url).pathname;

interface Ended { code: number | null; stdout: string; stderr: string }

/** `relais <args>` in `cwd`, with none of Relais' variables but `env`: how it ended. */
async function relais(args: string[], env: Record<string, string>, cwd: string): Promise<Ended> {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('RELAIS_') && name !== 'DATABASE_URL');
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...Object.fromEntries(inherited), ...env }, cwd, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number | null; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** Exit 2, nothing on stdout, and on stderr exactly `lines`, each `relais: …`: no stack trace. */
function stoppedWith(ended: Ended, lines: RegExp[]): void {
  assert.equal(ended.code, 2, ended.stderr);
  assert.equal(ended.stdout, '');
  const said = ended.stderr.split('\n').filter(Boolean);
  assert.equal(said.length, lines.length, ended.stderr);
  lines.forEach((line, i) => assert.match(said[i]!, line));
  assert.doesNotMatch(ended.stderr, /\n\s+at /, 'no stack trace');
}

describe('relais CLI: configuration checked at start', () => {
  let dir: string;
  before(() => { dir = realpathSync(mkdtempSync(join(tmpdir(), 'relais-config-'))); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serve stops with exit 2 on a role that does not exist', async () => {
    stoppedWith(await relais(['serve'], { RELAIS_ROLES: 'web', RELAIS_PORT: '0' }, dir), [/^relais: RELAIS_ROLES: "web" is not one of api, worker \(comma-separated\)$/]);
    assert.deepEqual(readdirSync(dir), [], 'no database made');
  });

  it('serve stops with exit 2 on a bad CIDR, naming the entry', async () => {
    stoppedWith(await relais(['serve'], { RELAIS_ALLOW_TARGETS: '127.0.0.0/8,10.0.0.0/33', RELAIS_PORT: '0' }, dir), [/^relais: RELAIS_ALLOW_TARGETS: "10\.0\.0\.0\/33" is not an IP address or CIDR/]);
  });

  it('names every bad variable, a typo\'s closest name, and no password', async () => {
    const ended = await relais(['serve'], { RELAIS_ROLE: 'api', RELAIS_LEASE: '10', DATABASE_URL: 'mysql://relais:hunter2@db/relais' }, dir);
    stoppedWith(ended, [/^relais: DATABASE_URL: "mysql:\/\/…" is not supported: write postgres:\/\/…/, /^relais: RELAIS_LEASE: invalid duration "10"/, /^relais: RELAIS_ROLE: not a Relais setting \(did you mean RELAIS_ROLES\?\)$/]);
    assert.doesNotMatch(ended.stderr, /hunter2/);
  });

  it('send and import refuse to create a new SQLite database', async () => {
    const where = /^relais: RELAIS_DB: no SQLite database at (\S+); `relais serve` \(or `relais migrate`\) creates it/;
    const sent = await relais(['send', 'acme', 'order.paid', '{}'], {}, dir);
    stoppedWith(sent, [where]);
    assert.equal(where.exec(sent.stderr)?.[1], join(dir, 'relais.db'));
    const file = join(tmpdir(), `relais-import-${process.pid}.json`);
    writeFileSync(file, '{}');
    try {
      stoppedWith(await relais(['import', file], { RELAIS_DB: 'data/hooks.db' }, dir), [/^relais: RELAIS_DB: no SQLite database at \S+\/data\/hooks\.db;/]);
    } finally {
      rmSync(file, { force: true });
    }
    assert.deepEqual(readdirSync(dir), [], 'no database made');
  });

  it('serve prints the SQLite file it uses as an absolute path', async () => {
    // The child runs from the repository root: a relative RELAIS_DB is resolved from there.
    const db = join(dir, 'served.db');
    const child = await spawnRelais({ RELAIS_DB: relative(ROOT, db), DATABASE_URL: '', RELAIS_PORT: '0', RELAIS_ROLES: 'api', RELAIS_LOG_LEVEL: 'warn' });
    try {
      assert.ok(child.output().includes(`Relais is running on SQLite (${db})`), child.output());
    } finally {
      await killChild(child);
    }
  });
});
