// `npm run bench` (bench/run.ts): runs the benchmark harness of bench/ and sets the exit
// code: non-zero when a delivery was lost.
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { runBench } from './harness.ts';
import { DEFAULT_KINDS, ENGINES, KINDS, resolveOptions, type BenchFlags, type Kind } from './options.ts';
import type { Engine } from './stores.ts';
import { ROOT } from './relais-child.ts';

const DEFAULT_OUT = resolve(ROOT, 'bench/results/latest.json');
const DEFAULT_PROFILES = resolve(ROOT, 'bench/results/profiles');

const count = (value: string): number => {
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number ≥ 1');
  return n;
};
const list = <T>(parse: (v: string) => T) => (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), ...value.split(',').filter(Boolean).map(parse)];
const engine = (value: string): Engine => {
  if (!(ENGINES as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${ENGINES.join(', ')}`);
  return value as Engine;
};
const kind = (value: string): Kind => {
  const found = KINDS.find((k) => value === k || value.startsWith(`${k}-`));
  if (!found) throw new InvalidArgumentError(`one of ${KINDS.join(', ')}`);
  return found;
};

/** The whole command of `npm run bench`. */
export function benchCommand(name = 'npm run bench'): Command {
  return new Command(name)
    .description('benchmark: the raw HTTP limit, then Relais end to end on SQLite and PostgreSQL (see README)')
    .option('--engine <engines>', 'sqlite or postgres (default: both)', list(engine))
    .option('--scenario <names>', `some of ${KINDS.join(', ')} (comma-separated; default: ${DEFAULT_KINDS.join(', ')})`, list(kind))
    .option('--events <n>', 'events of the single, batch and destinations scenarios (20,000; --quick 2,000)', count)
    .option('--webhooks <n>', 'fan-out: webhooks one event goes to (1,000)', count)
    .option('--rounds <n>', 'fan-out: events sent one after the other (5; --quick 2)', count)
    .option('--rate <n>', 'steady: events a second (1,000)', count)
    .option('--seconds <n>', 'steady: for how long (10; --quick 3)', count)
    .option('--serial-events <n>', 'serial: events to one webhook with max_concurrency 1 (5,000; --quick 500)', count)
    .option('--prefill <sizes>', 'run batch again with the store filled to each size first, "none" for no such row (10,000 and 1,000,000; --quick none)',
      (value: string) => (value === 'none' || value === '0' ? [] : list(count)(value, [])))
    .option('--retention-rows <n>', 'retention: old finished deliveries filled in and pruned (1,000,000; --quick 20,000)', count)
    .option('--retention-seconds <n>', 'retention: seconds of steady load a phase (25; --quick 5)', count)
    .option('--retention-pairs <n>', 'retention: off and on phases, alternated (6; --quick 2)', count)
    .option('--week-per-day <n>', 'retention: events a day of the simulated week, 0 for no week (100,000; --quick 4,000)', (v: string) => (v === '0' ? 0 : count(v)))
    .option('--raw <n>', 'requests that measure the raw limit (30,000; --quick 5,000)', count)
    .option('--store <n>', 'deliveries the store alone is measured over for the ceiling, 0 for none (20,000; --quick 2,000)', (v: string) => (v === '0' ? 0 : count(v)))
    .option('--senders <n>', 'concurrent single-event requests (32)', count)
    .option('--batch-size <n>', 'events per batch request (500, at most 1,000)', count)
    .option('--out <path>', 'where to write the JSON (bench/results/latest.json)')
    .option('--cpu-prof [dir]', 'write a V8 CPU profile of each Relais process into dir (bench/results/profiles); read it with `npm run bench:profile`')
    .option('--quick', 'small sizes: the whole run within a minute')
    .action(async (flags: BenchFlags & { engine?: Engine[]; scenario?: Kind[]; raw?: number; store?: number; cpuProf?: string | true }) => {
      const { engine: engines, scenario, raw, store, out, cpuProf, ...rest } = flags;
      const cpuProfDir = cpuProf === undefined ? undefined : resolve(cpuProf === true ? DEFAULT_PROFILES : cpuProf);
      const options = resolveOptions({ ...rest, engines, kinds: scenario, rawRequests: raw, storeDeliveries: store, out: resolve(out ?? DEFAULT_OUT), cpuProfDir });
      const args = process.argv.slice(2).join(' ');
      const command = `${name}${args ? ` -- ${args}` : ''}`;
      const report = await runBench(options, command);
      if (!report.ok) process.exitCode = 1;
    });
}
