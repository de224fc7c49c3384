// docs/deploy/relais.service as systemd reads it: `systemd-analyze verify` on a copy whose
// ExecStart names this machine's node and this repository's bin/relais.js (verify fails on an
// executable that does not exist), with nothing said about the unit. A copy with a broken line
// shows verify does complain here. And docs/deploy/relais.env.example is a configuration
// Relais accepts, whose shutdown grace fits in the unit's TimeoutStopSec.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import { ROOT } from '../helpers/child.ts';

const run = promisify(execFile);
const UNIT = join(ROOT, 'docs/deploy/relais.service');
const ENV_EXAMPLE = join(ROOT, 'docs/deploy/relais.env.example');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

interface Ended { code: number; output: string }

/** `systemd-analyze verify <file>`: its exit code and everything it printed. */
async function verify(file: string): Promise<Ended> {
  try {
    const { stdout, stderr } = await run(SYSTEMD_ANALYZE, ['verify', file], { timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number | string; stdout?: string; stderr?: string };
    if (typeof code === 'string') throw err; // missing: a failure, not a skip
    return { code, output: (stdout ?? '') + (stderr ?? '') };
  }
}

/** `Key=value` lines of the unit's [Service] section, each key's values in order. */
function serviceSettings(unit: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('[')) { section = line; continue; }
    if (section !== '[Service]') continue;
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    settings.set(key, [...(settings.get(key) ?? []), line.slice(at + 1)]);
  }
  return settings;
}

/** Seconds in a systemd time span such as `30s`, `1min 30s` or `90`. */
function seconds(span: string): number {
  const units: Record<string, number> = { '': 1, ms: 0.001, s: 1, sec: 1, m: 60, min: 60, h: 3600 };
  return [...span.matchAll(/(\d+)\s*([a-z]*)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0);
}

describe('systemd unit: docs/deploy/relais.service', () => {
  let dir: string;
  const unit = readFileSync(UNIT, 'utf8');
  const service = serviceSettings(unit);

  before(() => { dir = mkdtempSync(join(tmpdir(), 'relais-unit-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The unit as installed on this machine: this node, this repository in place of /opt/relais. */
  function installed(text: string): string {
    const file = join(dir, 'relais.service');
    writeFileSync(file, text.replace('ExecStart=/usr/bin/node /opt/relais/', `ExecStart=${process.execPath} ${ROOT}`));
    return file;
  }

  it('runs node on bin/relais.js serve directly, so SIGTERM reaches Relais', () => {
    assert.deepEqual(service.get('ExecStart'), ['/usr/bin/node /opt/relais/bin/relais.js serve']);
    assert.deepEqual(service.get('Type'), ['simple']);
    assert.deepEqual(service.get('User'), ['relais']);
    assert.deepEqual(service.get('KillSignal'), ['SIGTERM']);
    assert.deepEqual(service.get('Restart'), ['on-failure']);
    assert.deepEqual(service.get('EnvironmentFile'), ['/etc/relais/relais.env']);
    for (const [key, value] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['PrivateTmp', 'yes'], ['ReadWritePaths', '/var/lib/relais']]) {
      assert.deepEqual(service.get(key!), [value], key);
    }
    assert.equal(service.has('MemoryDenyWriteExecute'), false, 'V8 needs writable executable memory');
  });

  it('passes systemd-analyze verify with nothing to say about it', async () => {
    const file = installed(unit);
    assert.match(readFileSync(file, 'utf8'), new RegExp(`^ExecStart=${process.execPath} ${ROOT}bin/relais\\.js serve$`, 'm'));
    const { code, output } = await verify(file);
    assert.equal(code, 0, output);
    const aboutIt = output.split('\n').filter((line) => line.includes('relais.service') || line.includes(dir));
    assert.deepEqual(aboutIt, [], output);
  });

  it('verify does complain here: an unknown key, a bad value, a missing executable', async () => {
    const broken = await verify(installed(unit.replace('ProtectSystem=strict', 'ProtectSystem=strictest\nProtectEverything=yes')));
    assert.match(broken.output, /relais\.service:\d+: Failed to parse protect system value, ignoring: strictest/);
    assert.match(broken.output, /relais\.service:\d+: Unknown key 'ProtectEverything' in section \[Service\], ignoring\./);
    const missing = await verify(installed(unit.replace('ExecStart=/usr/bin/node /opt/relais/', 'ExecStart=/nonexistent/node /opt/relais/')));
    assert.notEqual(missing.code, 0);
    assert.match(missing.output, /Command \/nonexistent\/node is not executable/);
  });

  it('relais.env.example is a configuration Relais accepts, stopping within TimeoutStopSec', () => {
    const env: Record<string, string> = {};
    for (const line of readFileSync(ENV_EXAMPLE, 'utf8').split('\n')) {
      if (!line.trim() || line.startsWith('#')) continue;
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      assert.ok(match, `a KEY=value line: ${line}`);
      env[match[1]!] = match[2]!;
    }
    const config = loadConfig(env);
    assert.equal(config.sqlitePath, '/var/lib/relais/relais.db');
    assert.ok(config.sqlitePath.startsWith(`${service.get('ReadWritePaths')![0]}/`), 'the SQLite file is where the unit may write');
    assert.ok(config.shutdownGraceMs / 1000 + 5 <= seconds(service.get('TimeoutStopSec')![0]!), 'TimeoutStopSec leaves room after RELAIS_SHUTDOWN_GRACE');
  });
});
