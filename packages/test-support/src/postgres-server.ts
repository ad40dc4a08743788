import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/**
 * A throw-away PostgreSQL cluster (Debian's binaries) on its own port, for tests that restart or stop the
 * database. Its superuser `postgres` signs in without a password over loopback.
 */
export interface PrivatePostgres {
  readonly port: number;
  /** The `postgres` database as superuser; `freshDatabase(url)` makes throw-away databases on it. */
  readonly url: string;
  /** The postmaster's process id, read from its pid file (changes on restart). */
  pid(): Promise<number | undefined>;
  /** `pg_ctl restart -m fast`: disconnects every client, aborts open transactions, starts again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster and removes its folder. */
  remove(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = await postgresBinDir();
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'ct-test-postgres-'));
  const data = join(dir, 'data');
  // initdb refuses to run as root: the cluster belongs to the postgres user then, as in scripts/lib/services.sh.
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (program: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, program), ...args])
      : run(join(bin, program), args);
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // No durability settings are relaxed: a restart must behave as it does in production.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=100`;
  const log = join(dir, 'postgres.log');
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start']);
  };
  const stop = async () => {
    await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']).catch(() => undefined);
  };
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid: async () => {
      const text = await readFile(join(data, 'postmaster.pid'), 'utf8').catch(() => '');
      const first = text.split('\n')[0]?.trim();
      return first ? Number(first) : undefined;
    },
    restart: async () => {
      await pg('pg_ctl', ['-D', data, '-l', log, '-m', 'fast', '-w', '-t', '60', '-o', options, 'restart']);
    },
    stop,
    start,
    remove: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The newest installed major version's bin folder (/usr/lib/postgresql/<major>/bin). */
async function postgresBinDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const majors = (await readdir(root).catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`no PostgreSQL under ${root}: install the postgresql package`);
  return join(root, newest, 'bin');
}
