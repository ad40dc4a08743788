import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@ct/test-support';
import { ExchangeDir } from '../src/process/exchange-dir.js';
import { CHILD_FILE, OWNER_FILE, sweepWorkDirs } from '../src/process/work-dir-sweep.js';
import { groupGone } from './support/processes.js';

/** A stand-in pipeline: its own process group, the job's id in its environment, and a grandchild. */
function fakePipeline(jobId: string): number {
  const child = spawn('sh', ['-c', 'sleep 300 & exec sleep 300'], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: process.env.PATH, CT_JOB_ID: jobId },
  });
  child.unref();
  return child.pid as number;
}

/** A pid no process has: a dead worker's. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('sweepWorkDirs (real processes)', () => {
  let root: string;
  const pids: number[] = [];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ct-sweep-test-'));
  });

  afterEach(async () => {
    for (const pid of pids.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await rm(root, { recursive: true, force: true });
  });

  async function workDir(owner: number, child: number | null, jobId = randomUUID()): Promise<string> {
    const dir = join(root, `${jobId}-abc123`);
    await mkdir(join(dir, 'tmp'), { recursive: true });
    await writeFile(join(dir, 'tmp', 'train.parquet'), 'data');
    await writeFile(join(dir, OWNER_FILE), String(owner));
    if (child !== null) await writeFile(join(dir, CHILD_FILE), String(child));
    return dir;
  }

  it("kills a dead worker's pipeline group, removes its dir, and leaves a live worker's alone", async () => {
    const orphanJob = randomUUID();
    const orphan = fakePipeline(orphanJob);
    const alive = fakePipeline(randomUUID());
    pids.push(orphan, alive);
    const deadDir = await workDir(await deadPid(), orphan, orphanJob);
    // The live worker is this test process's parent (jest's runner): alive for sure.
    const liveDir = await workDir(process.ppid, alive);

    const swept = await sweepWorkDirs(root, () => undefined);

    expect(swept).toEqual({ removed: [deadDir], killed: [orphan] });
    await waitFor('the orphan group to die', () => groupGone(orphan), { timeoutMs: 5_000 });
    expect(groupGone(alive)).toBe(false);
    expect(await readdir(root)).toEqual([liveDir.slice(root.length + 1)]);
  });

  it("removes a dead worker's exchange dir, and leaves this worker's own alone", async () => {
    const own = await ExchangeDir.create(root, randomUUID());
    const left = await ExchangeDir.create(root, randomUUID());
    await writeFile(left.file('task.json'), '{}');
    await writeFile(left.file(OWNER_FILE), String(await deadPid()));
    const swept = await sweepWorkDirs(root, () => undefined);
    expect(swept).toEqual({ removed: [left.path], killed: [] });
    expect(await readdir(root)).toEqual([own.path.slice(root.length + 1)]);
  });

  it("never kills a process that took a dead pipeline's pid (another job's)", async () => {
    const stranger = fakePipeline(randomUUID());
    pids.push(stranger);
    const dir = await workDir(await deadPid(), stranger);
    const swept = await sweepWorkDirs(root, () => undefined);
    expect(swept).toEqual({ removed: [dir], killed: [] });
    expect(groupGone(stranger)).toBe(false);
  });
});
