// The machine's own brokers (issue 21), for the broker tests: whether one is up (a TCP connect),
// starting one that is down with the same commands `.ci/run` uses, and restarting each the way
// the fault tests need (test/brokers/faults.test.ts): RabbitMQ through `rabbitmqctl stop_app` /
// `start_app`, Redis by dropping every client connection at once (`CLIENT KILL TYPE normal`),
// NATS and Mosquitto stopped by their process id (SIGTERM) and started again.
//
// A restart disturbs everyone using the broker at that moment: keep it short, and always call
// ensureUp() in a `finally` so a failed test never leaves a broker down.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type BrokerName = 'rabbitmq' | 'nats' | 'redis' | 'mosquitto';

export interface BrokerInfo {
  name: BrokerName;
  /** As people call it, for messages. */
  title: string;
  host: string;
  port: number;
}

export const BROKERS: Record<BrokerName, BrokerInfo> = {
  rabbitmq: { name: 'rabbitmq', title: 'RabbitMQ', host: '127.0.0.1', port: 5672 },
  nats: { name: 'nats', title: 'NATS (JetStream)', host: '127.0.0.1', port: 4222 },
  redis: { name: 'redis', title: 'Redis', host: '127.0.0.1', port: 6379 },
  mosquitto: { name: 'mosquitto', title: 'Mosquitto', host: '127.0.0.1', port: 1883 },
};

/**
 * How each broker is started when it is down: the same commands as `.ci/run` (keep the two in
 * step). [file, ...args], run without a shell.
 */
export const START_COMMANDS: Record<BrokerName, readonly string[]> = {
  rabbitmq: ['rabbitmq-server', '-detached'],
  redis: ['redis-server', '--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
  mosquitto: ['mosquitto', '-d', '-c', '/etc/mosquitto/mosquitto.conf'],
  nats: ['start-stop-daemon', '--start', '--oknodo', '--background', '--exec', '/usr/sbin/nats-server', '--', '-a', '127.0.0.1', '-p', '4222', '-js', '-sd', '/var/lib/nats-server', '-l', '/var/log/nats-server.log'],
};

/**
 * The brokers stopped by their process id: the process name (`pgrep -x`), and what its command
 * line holds, so that another instance (a test's own, on another port) is never the one stopped.
 */
const PROCESSES: Partial<Record<BrokerName, { name: string; marker: string }>> = {
  nats: { name: 'nats-server', marker: '-p\0' + '4222' },
  mosquitto: { name: 'mosquitto', marker: '/etc/mosquitto/mosquitto.conf' },
};

/** Bounds: a broker that takes longer than this to come up is reported as down. */
export const UP_BOUND_MS: Record<BrokerName, number> = { rabbitmq: 60_000, nats: 20_000, redis: 10_000, mosquitto: 10_000 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether something accepts a TCP connection on the broker's port. */
export function isUp(broker: BrokerName | BrokerInfo, timeoutMs = 1_000): Promise<boolean> {
  const { host, port } = typeof broker === 'string' ? BROKERS[broker] : broker;
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

/** Waits, at most `boundMs`, until the port answers (`up`) or refuses (`!up`); throws past the bound. */
export async function waitUntil(broker: BrokerName, up: boolean, boundMs = UP_BOUND_MS[broker], everyMs = 50): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await isUp(broker, 500)) === up) return Math.round(performance.now() - started);
    if (performance.now() - started > boundMs) throw new Error(`${BROKERS[broker].title} did not ${up ? 'come up' : 'go down'} on port ${BROKERS[broker].port} within ${boundMs} ms`);
    await sleep(everyMs);
  }
}

/** Runs a command, bounded; its output, or an error with its stderr. */
async function sh(file: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await run(file, [...args], { timeout: timeoutMs, env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin:/usr/lib/rabbitmq/bin` } });
    return stdout.trim();
  } catch (err) {
    const e = err as { message?: string; stderr?: string; stdout?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${(e.stderr || e.stdout || e.message || String(err)).trim()}`);
  }
}

/** The pids of the broker's process: its process name (pgrep -x), its command line holding the marker. */
async function pids(broker: BrokerName): Promise<number[]> {
  const { name, marker } = PROCESSES[broker]!;
  let found: number[];
  try {
    const { stdout } = await run('pgrep', ['-x', name]);
    found = stdout.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return found.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker);
    } catch {
      return false; // gone meanwhile
    }
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Starts the broker if its port does not answer, with START_COMMANDS (RabbitMQ: `start_app` when
 * its node runs but the application is stopped), and waits until it answers, within the bound.
 * Returns whether it had to start it.
 */
export async function ensureUp(broker: BrokerName, boundMs = UP_BOUND_MS[broker]): Promise<boolean> {
  if (await isUp(broker)) return false;
  if (broker === 'rabbitmq') {
    // The node may be running with its application stopped (a stop_app whose start_app never ran).
    const nodeUp = await sh('rabbitmqctl', ['-q', 'ping'], 15_000).then(() => true, () => false);
    if (nodeUp) await sh('rabbitmqctl', ['-q', 'start_app']);
    else await sh(START_COMMANDS.rabbitmq[0]!, START_COMMANDS.rabbitmq.slice(1));
  } else {
    // A process still shutting down (writing its persistence) would make the start a no-op or clash on the port.
    if (PROCESSES[broker]) for (const pid of await pids(broker)) await gone(pid, 10_000).catch(() => undefined);
    await sh(START_COMMANDS[broker][0]!, START_COMMANDS[broker].slice(1));
  }
  await waitUntil(broker, true, boundMs);
  return true;
}

/** Waits until the process has exited, at most `boundMs`. */
async function gone(pid: number, boundMs: number): Promise<void> {
  const started = performance.now();
  while (alive(pid)) {
    if (performance.now() - started > boundMs) throw new Error(`process ${pid} still running after ${boundMs} ms`);
    await sleep(25);
  }
}

/** What a restart did: how long it took in all, and how long the broker's port did not answer. */
export interface Restart {
  broker: BrokerName;
  /** From the first command to the broker answering again. */
  totalMs: number;
  /** How long the port refused connections (0 when it never did: Redis). */
  downMs: number;
  /** What was done, for the test's output. */
  how: string;
}

/**
 * Restarts the broker once, as the fault tests need it, and waits until it answers again. The
 * caller still calls ensureUp() in a `finally`: a restart that throws midway may leave it down.
 */
export async function restart(broker: BrokerName): Promise<Restart> {
  const started = performance.now();
  const since = (): number => Math.round(performance.now() - started);
  switch (broker) {
    case 'rabbitmq': {
      await sh('rabbitmqctl', ['-q', 'stop_app']);
      const downAt = since();
      await sh('rabbitmqctl', ['-q', 'start_app']);
      await waitUntil('rabbitmq', true);
      return { broker, totalMs: since(), downMs: since() - downAt, how: 'rabbitmqctl stop_app, then start_app' };
    }
    case 'redis': {
      const killed = await sh('redis-cli', ['-h', BROKERS.redis.host, '-p', String(BROKERS.redis.port), 'CLIENT', 'KILL', 'TYPE', 'normal']);
      return { broker, totalMs: since(), downMs: 0, how: `redis-cli CLIENT KILL TYPE normal (${killed} client connection(s) dropped)` };
    }
    case 'nats':
    case 'mosquitto': {
      const { name } = PROCESSES[broker]!;
      const found = await pids(broker);
      if (found.length !== 1) throw new Error(`expected one ${name} process, found ${found.length ? found.join(', ') : 'none'}`);
      const pid = found[0]!;
      process.kill(pid, 'SIGTERM');
      await waitUntil(broker, false, 10_000, 10);
      const downAt = since();
      // Until the process is gone (JetStream and Mosquitto write their state on the way out):
      // start-stop-daemon --oknodo would otherwise find it still running and start nothing.
      await gone(pid, 15_000);
      await sh(START_COMMANDS[broker][0]!, START_COMMANDS[broker].slice(1));
      await waitUntil(broker, true);
      return { broker, totalMs: since(), downMs: since() - downAt, how: `SIGTERM to ${name} (pid ${pid}), started again with ${START_COMMANDS[broker].join(' ')}` };
    }
  }
}
