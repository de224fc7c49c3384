// Runs `npm run bench` (bench/run.ts) as the smoke tests do: a child process with the given arguments, its JSON
// report written to a temporary folder; fails with everything the run printed when it exits non-zero.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../bench/report.ts';
import { ROOT } from '../helpers/child.ts';

export async function runBench(args: readonly string[]): Promise<{ report: Report; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-smoke-'));
  try {
    const out = join(dir, 'bench.json');
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args, '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString('utf8'); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, output);
    return { report: JSON.parse(readFileSync(out, 'utf8')) as Report, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
