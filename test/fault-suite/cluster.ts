// A PostgreSQL cluster of the suite's own, on a port of its own, so that restarting and stopping
// it disturbs nothing else on the machine (the main cluster on 5432 is never touched).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { onCleanup } from './cleanup.ts';

const PG_ROOT = '/usr/lib/postgresql';
const FIRST_PORT = 55432;

/** The newest installed PostgreSQL's bin dir (found, not assumed to be 15). */
export function pgBinDir(): string {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error(`no PostgreSQL binaries under ${PG_ROOT}`);
  return join(PG_ROOT, versions[0], 'bin');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first free port from 55432 up: another run's cluster (or anything else) keeps its own. */
async function freePort(): Promise<number> {
  for (let port = FIRST_PORT; port < FIRST_PORT + 100; port++) if (await portFree(port)) return port;
  throw new Error(`no free port in ${FIRST_PORT}…${FIRST_PORT + 99} for the suite's PostgreSQL`);
}

export interface Cluster {
  port: number;
  dataDir: string;
  url: string;
  logPath: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** Runs a PostgreSQL tool as the postgres user, without blocking the event loop (the receiver and the load keep going). */
function asPostgres(tool: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('runuser', ['-u', 'postgres', '--', join(pgBinDir(), tool), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} ${args.join(' ')} exited with ${code}:\n${out}`))));
  });
}

export async function createCluster(workDir: string): Promise<Cluster> {
  const dataDir = join(workDir, 'pg');
  mkdirSync(dataDir, { mode: 0o700 });
  const chown = spawnSync('chown', ['postgres:postgres', dataDir], { encoding: 'utf8' });
  if (chown.status !== 0) throw new Error(`chown postgres ${dataDir}: ${chown.stderr}`);
  await asPostgres('initdb', ['-D', dataDir, '--auth=trust', '-U', 'postgres', '--no-sync'], dataDir);
  const port = await freePort();
  const logPath = join(dataDir, 'log');
  const options = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1`;
  const cluster: Cluster = {
    port,
    dataDir,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    logPath,
    start: () => asPostgres('pg_ctl', ['-D', dataDir, '-o', options, '-l', logPath, 'start', '-w'], dataDir),
    stop: () => asPostgres('pg_ctl', ['-D', dataDir, 'stop', '-m', 'fast', '-w'], dataDir),
    restart: () => asPostgres('pg_ctl', ['-D', dataDir, '-o', options, '-l', logPath, 'restart', '-m', 'fast', '-w'], dataDir),
  };
  // Registered before the start: a start that half-succeeds is stopped too.
  onCleanup('stop the suite\'s PostgreSQL', () => {
    if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
    spawnSync('runuser', ['-u', 'postgres', '--', join(pgBinDir(), 'pg_ctl'), '-D', dataDir, 'stop', '-m', 'immediate', '-w'], { cwd: dataDir, stdio: 'ignore' });
  });
  await cluster.start();
  return cluster;
}
