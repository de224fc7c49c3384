// `npm run bench:profile -- <file.cpuprofile>… [--top N]`: what a V8 CPU profile of Relais (taken by
// `npm run bench -- --cpu-prof`) spent its time on — by area (Relais' own directories, each
// package, Node's internals, GC, idle), by function's own time, and by Relais function including
// what it called — so that an optimisation starts from the profile rather than a guess.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ROOT } from './relais-child.ts';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }


/** A file of the build (dist/, what `relais serve` runs) named as its source: `dist/api/app.js` → `src/api/app.ts`. */
function asSource(relative: string): string {
  return relative.startsWith('dist/') ? `src/${relative.slice(5).replace(/\.js$/, '.ts')}` : relative;
}

/** Where a frame's code lives: `src/dispatcher`, `kysely`, `node:internal`, `(garbage collector)`… */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(ROOT)) return asSource(path.slice(ROOT.length)).split('/').slice(0, 2).join('/').replace(/\.ts$/, '');
  return '(other)';
}

// Line numbers are the compiled code's (dist/), not the source's: only an anonymous function
// needs one to be told apart.
const label = (f: CallFrame): string => {
  const file = asSource(f.url.replace(/^file:\/\//, '').replace(ROOT, '')).replace(/^.*node_modules\//, '');
  return f.functionName ? `${f.functionName} ${file}` : `(anonymous) ${file}:${f.lineNumber + 1}`;
};

export interface Summary {
  totalMs: number;
  areas: [string, number][];
  self: [string, number][];
  /** Relais' own functions (src/), time including their callees, each sample counted once per function. */
  inclusive: [string, number][];
}

export function summarise(profile: CpuProfile): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const areas = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number): void => { m.set(k, (m.get(k) ?? 0) + v); };
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    totalUs += us;
    add(areas, areaOf(node.callFrame), us);
    add(self, label(node.callFrame), us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!areaOf(frame).startsWith('src/')) continue;
      const key = label(frame);
      if (!seen.has(key)) {
        seen.add(key);
        add(inclusive, key, us);
      }
    }
  });
  const sorted = (m: Map<string, number>): [string, number][] => [...m].map(([k, v]): [string, number] => [k, v / 1000]).sort((a, b) => b[1] - a[1]);
  return { totalMs: totalUs / 1000, areas: sorted(areas), self: sorted(self), inclusive: sorted(inclusive) };
}

function print(title: string, rows: [string, number][], totalMs: number, top: number): void {
  process.stdout.write(`\n${title}\n`);
  for (const [name, ms] of rows.slice(0, top)) {
    process.stdout.write(`${(100 * ms / totalMs).toFixed(1).padStart(6)}%  ${ms.toFixed(0).padStart(8)} ms  ${name}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
  if (args.length === 0) {
    process.stderr.write('usage: npm run bench:profile -- <file.cpuprofile>… [--top N]\n');
    process.exit(2);
  }
  for (const file of args) {
    const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    process.stdout.write(`${file}: ${(s.totalMs / 1000).toFixed(1)} s sampled\n`);
    print('By area (own time)', s.areas, s.totalMs, top);
    print('By function (own time)', s.self, s.totalMs, top);
    print('Relais functions (including callees)', s.inclusive, s.totalMs, top);
  }
}
