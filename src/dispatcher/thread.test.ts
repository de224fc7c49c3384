// The dispatcher thread's supervisor, with a stand-in thread that crashes: it is started again,
// its log lines reach the process's log, and stopping while it is down neither hangs nor lets it
// start again.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { startDispatchThread } from './thread.ts';
import { waitFor } from '../../test/helpers/wait.ts';

const CRASHING = new URL('../../test/fixtures/crashing-thread.mjs', import.meta.url);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('dispatcher thread supervisor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relais-thread-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function setUp(name: string, crashes: number) {
    const counter = join(dir, name);
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString('utf8')); done(); } }));
    // The stand-in reads its counter file and how many times to crash from these two fields.
    const config = { ...loadConfig({}), sqlitePath: counter, port: crashes };
    const runs = (): number => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;
    return { config, log, lines, runs };
  }

  it('starts a thread that died again, and passes its log lines on', async () => {
    const { config, log, lines, runs } = setUp('restart', 1);
    const thread = await startDispatchThread(config, log, { entry: CRASHING });
    try {
      // Crash after 50 ms, restart 1 s later: waited for rather than slept on, as a loaded host
      // may take a while to start a thread.
      await waitFor('the second run to log', () => lines.some((l) => l.includes('"run 2"')), 10_000);
      assert.equal(runs(), 2);
      assert.ok(lines.some((l) => l.includes('the dispatcher thread ended; starting it again')));
    } finally {
      await thread.stop(100); // a thread left running would keep the test process alive
    }
    await sleep(1_200);
    assert.equal(runs(), 2, 'a stopped thread stays stopped');
  });

  it('stops at once while the thread is down, and does not start it again', async () => {
    const { config, log, runs } = setUp('down', 10);
    const thread = await startDispatchThread(config, log, { entry: CRASHING });
    await sleep(300); // it has crashed; the restart is due in about 750 ms
    const started = Date.now();
    await thread.stop(100);
    assert.ok(Date.now() - started < 500, 'stop() did not wait for a thread that is gone');
    await sleep(1_200);
    assert.equal(runs(), 1);
  });
});
