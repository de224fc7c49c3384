// `relais bench --cpu-prof` profiles the Relais process under test, and `npm run bench:profile`
// reads the profile: the time is attributed to Relais' own code, the way an optimisation starts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { summarise } from '../../bench/profile.ts';
import { ROOT } from '../helpers/child.ts';

const run = promisify(execFile);

describe('relais bench --cpu-prof', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-prof-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a CPU profile of Relais that bench:profile attributes to the dispatcher and the API', async () => {
    const profiles = join(dir, 'profiles');
    await run(process.execPath, ['bin/relais.js', 'bench', '--quick', '--engine', 'sqlite', '--scenario', 'single', '--events', '200',
      '--prefill', 'none', '--raw', '200', '--out', join(dir, 'bench.json'), '--cpu-prof', profiles], { cwd: ROOT });
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main one (others: tsx's loader).
    const main = readdirSync(profiles).filter((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    assert.equal(main.length, 1, `one Relais process, one main-thread profile: ${readdirSync(profiles).join(', ')}`);
    const file = join(profiles, main[0]!);

    const summary = summarise(JSON.parse(readFileSync(file, 'utf8')));
    assert.ok(summary.totalMs > 0);
    const areas = new Map(summary.areas);
    for (const area of ['src/dispatcher', 'fastify', 'kysely']) assert.ok((areas.get(area) ?? 0) > 0, `time in ${area}`);
    assert.ok(summary.inclusive.some(([name]) => /^run src\/dispatcher\/dispatcher\.ts$/.test(name)), 'the dispatcher run() with its callees');

    const { stdout } = await run('npm', ['run', '--silent', 'bench:profile', '--', file, '--top', '5'], { cwd: ROOT });
    assert.match(stdout, /By area \(own time\)/);
    assert.match(stdout, /Relais functions \(including callees\)\n(.*\n){1,5}/);
  });
});
