import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@ct/test-support';
import { ChildPipelineLauncher } from '../src/process/child-pipeline-launcher.js';
import type { PipelineExit } from '../src/process/pipeline-launcher.js';
import type { ColdReason, WarmPool } from '../src/process/warm-pool.js';
import { launcherOptions, openPool, POOL_READY_MS } from './support/launcher-options.js';
import { groupGone, REPO_ROOT } from './support/processes.js';

// A file the server watches: touching it is a change of the pipeline's code.
const WATCHED_FILE = `${REPO_ROOT}pipeline/src/ct_pipeline/warm_start.py`;

describe('the warm pool (real Python processes)', () => {
  let workRoot: string;
  let starts: Array<[string, ColdReason | null]>;
  let sut: WarmPool;

  const options = () => launcherOptions(workRoot);

  async function run(script: string, onSpawn: (pid: number) => void = () => {}) {
    let stdout = '';
    let stderr = '';
    const pipeline = new ChildPipelineLauncher(options(), sut).launch({
      jobId: '00000000-0000-4000-8000-000000000002',
      entrypoint: ['-c', script],
      spec: { training: { pipeline: 'p' } as never },
      mlflowRunId: 'run-1',
      registeredModel: 'team-a.p',
      timeoutMs: 30_000,
      onSpawn,
      onEvent() {},
      onWarning() {},
      onOutput: (stream, text) => {
        if (stream === 'stdout') stdout += text;
        else stderr += text;
      },
    });
    const exit: PipelineExit = await pipeline.exited;
    return { exit, stdout, stderr };
  }

  const ready = () =>
    waitFor('the warm pool to be ready', () => sut.readyPid !== null, { timeoutMs: POOL_READY_MS });

  beforeEach(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'ct-warm-pool-test-'));
    starts = [];
    sut = openPool({ codeCheckMs: 0 }, { started: (start, reason) => starts.push([start, reason]) });
    await ready();
  }, POOL_READY_MS + 5_000);

  afterEach(async () => {
    await sut.close(5_000);
    await rm(workRoot, { recursive: true, force: true });
  });

  it('gives each run a fresh process: a module global, the environment and TMPDIR do not carry over', async () => {
    const first = await run(`import json, os, tempfile, ct_pipeline
ct_pipeline.LEFT_BEHIND = "first run"
os.environ["LEFT_BEHIND"] = "first run"
path = os.path.join(tempfile.gettempdir(), "left-behind.txt")
open(path, "w").write("first run")
print(json.dumps({"tmp": tempfile.gettempdir(), "cwd": os.getcwd()}))`);
    const second = await run(`import json, os, tempfile, ct_pipeline
print(json.dumps({"global": getattr(ct_pipeline, "LEFT_BEHIND", None), "env": os.environ.get("LEFT_BEHIND"),
    "tmp": tempfile.gettempdir(), "cwd": os.getcwd(),
    "seen": os.path.exists(os.path.join(tempfile.gettempdir(), "left-behind.txt"))}))`);
    expect([first.exit.warm, second.exit.warm]).toEqual([true, true]);
    const before = JSON.parse(first.stdout);
    const after = JSON.parse(second.stdout);
    expect(before.tmp).toBe(join(before.cwd, 'tmp'));
    expect(after).toEqual({
      global: null,
      env: null,
      tmp: join(after.cwd, 'tmp'),
      cwd: after.cwd,
      seen: false,
    });
    expect(after.cwd).not.toBe(before.cwd);
    expect(existsSync(before.cwd)).toBe(false);
    expect(starts).toEqual([
      ['warm', null],
      ['warm', null],
    ]);
  });

  it("shows the run's own environment in /proc/<pid>/environ, as a cold start does", async () => {
    const { exit, stdout } = await run(`import os
print(open(f"/proc/{os.getpid()}/environ", "rb").read().decode())`);
    expect(exit.warm).toBe(true);
    const shown = stdout.split('\0').filter((entry) => entry.trim() !== '');
    expect(shown).toEqual(
      expect.arrayContaining([
        'CT_JOB_ID=00000000-0000-4000-8000-000000000002',
        'MLFLOW_RUN_ID=run-1',
        expect.stringMatching(/^TMPDIR=.+\/tmp$/),
      ]),
    );
    expect(shown.filter((entry) => entry.startsWith('CT_ENVIRON_ROOM='))).toEqual([]);
  });

  it(
    'loses a run whose server is killed mid-run, starts the next cold, then warm from a new server',
    async () => {
      const server = sut.readyPid ?? 0;
      let child = 0;
      const killed = run('import time\nprint("running", flush=True)\ntime.sleep(60)', (pid) => {
        child = pid;
        setTimeout(() => process.kill(server, 'SIGKILL'), 300);
      });
      const { exit } = await killed;
      expect(exit).toMatchObject({ warm: true, exitCode: null, cancelled: false, timedOut: false });
      expect(exit.lostError?.message).toMatch(/warm pool's server exited/);
      await waitFor('the lost run to be gone', () => groupGone(child));

      const next = await run('print("next")');
      expect(next).toMatchObject({ exit: { exitCode: 0, warm: false }, stdout: 'next\n' });
      await ready();
      expect(sut.readyPid).not.toBe(server);
      const later = await run('print("later")');
      expect(later).toMatchObject({ exit: { exitCode: 0, warm: true }, stdout: 'later\n' });
      expect(starts).toEqual([
        ['warm', null],
        ['cold', 'not_ready'],
        ['warm', null],
      ]);
    },
    POOL_READY_MS,
  );

  it(
    "replaces its server when the pipeline's code changes, after the old one's runs have ended",
    async () => {
      const old = sut.readyPid ?? 0;
      const { mtime, atime } = await stat(WATCHED_FILE);
      let running = 0;
      const long = run('import time\nprint("long", flush=True)\ntime.sleep(1.5)', (pid) => {
        running = pid;
      });
      await waitFor('the long run to start', () => running !== 0);
      try {
        await utimes(WATCHED_FILE, atime, new Date(mtime.getTime() + 1_000));
        const during = await run('print("during")');
        expect(during.exit).toMatchObject({ exitCode: 0, warm: false });
        expect(groupGone(old)).toBe(false); // the old server drains: its run goes on
      } finally {
        await utimes(WATCHED_FILE, atime, mtime);
      }
      expect((await long).exit).toMatchObject({ exitCode: 0, warm: true });
      await waitFor('the old server to exit', () => groupGone(old));
      await ready();
      expect(sut.readyPid).not.toBe(old);
      expect(starts.map(([start, reason]) => `${start}:${reason}`)).toEqual([
        'warm:null',
        'cold:code_changed',
      ]);
    },
    POOL_READY_MS,
  );

  it("reports its idle server's memory", async () => {
    const memory = await sut.memory();
    expect(memory?.rssBytes).toBeGreaterThan(50 * 1024 * 1024);
    expect(memory?.pssBytes).toBeGreaterThan(0);
    expect(memory?.pssBytes).toBeLessThanOrEqual(memory?.rssBytes ?? 0);
  });

  it('drains on close: the run under way ends, the server exits, no new run is forked', async () => {
    const server = sut.readyPid ?? 0;
    const under = run('import time\ntime.sleep(0.5)\nprint("done", flush=True)');
    await waitFor('the run to start', () => starts.length === 1);
    await sut.close(10_000);
    expect(await under).toMatchObject({ exit: { exitCode: 0, warm: true }, stdout: 'done\n' });
    expect(groupGone(server)).toBe(true);
    const after = await run('print("after")');
    expect(after.exit).toMatchObject({ exitCode: 0, warm: false });
    expect(starts.at(-1)).toEqual(['cold', 'shutdown']);
  });
});
