// `npm run bench -- --cpu-prof` profiles the Relais process under test, and `npm run bench:profile`
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

describe('npm run bench -- --cpu-prof', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-prof-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a CPU profile of Relais that bench:profile attributes to the dispatcher and the API', async () => {
    const profiles = join(dir, 'profiles');
    await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--engine', 'sqlite', '--scenario', 'single', '--events', '1000',
      '--prefill', 'none', '--raw', '200', '--out', join(dir, 'bench.json'), '--cpu-prof', profiles], { cwd: ROOT });
    // One profile per thread: the API's, the dispatcher's (RELAIS_DISPATCH_THREAD), tsx's loaders.
    const files = readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profiles, f));
    assert.ok(files.length >= 2, `profiles: ${files.join(', ')}`);
    const summaries = files.map((f) => ({ file: f, ...summarise(JSON.parse(readFileSync(f, 'utf8'))) }));
    const timeIn = (s: (typeof summaries)[number], area: string): number => new Map(s.areas).get(area) ?? 0;
    const api = summaries.find((s) => timeIn(s, 'fastify') > 0);
    // Every delivery goes through the deliverer's deliver(), whether it was claimed (the
    // scheduler's run()) or handed over at ingest: which of the two a short run samples depends on
    // timing, so the deliverer identifies the dispatcher's profile.
    const dispatcher = summaries.find((s) => s.inclusive.some(([name]) => /^deliver src\/dispatcher\/deliverer\.ts$/.test(name)));
    assert.ok(api && timeIn(api, 'kysely') > 0, 'the API thread: Fastify, and the ingest queries');
    assert.ok(dispatcher && timeIn(dispatcher, 'src/dispatcher') > 0 && timeIn(dispatcher, 'undici') > 0, 'the dispatcher: deliver() with its callees, and undici');
    const file = dispatcher.file;

    const { stdout } = await run('npm', ['run', '--silent', 'bench:profile', '--', file, '--top', '5'], { cwd: ROOT });
    assert.match(stdout, /By area \(own time\)/);
    assert.match(stdout, /Relais functions \(including callees\)\n(.*\n){1,5}/);
  });
});
