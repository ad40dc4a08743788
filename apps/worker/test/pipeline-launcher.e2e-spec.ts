import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PipelineEvent, type TrainingSpec, trainingSpecSchema } from '@ct/shared';
import { runToEnd, waitFor } from '@ct/test-support';
import { ChildPipelineLauncher } from '../src/process/child-pipeline-launcher.js';
import type { LauncherOptions } from '../src/process/child-run.js';
import type { LaunchRequest, PipelineExit, RunningPipeline } from '../src/process/pipeline-launcher.js';
import { WarmPool } from '../src/process/warm-pool.js';
import { launcherOptions, openPool, POOL_READY_MS } from './support/launcher-options.js';
import { groupGone, PIPELINE_PYTHON, processGone } from './support/processes.js';

const BUILT_LAUNCHER = new URL('../dist/process/child-pipeline-launcher.js', import.meta.url).href;
const BUILT_POOL = new URL('../dist/process/warm-pool.js', import.meta.url).href;

const SPEC: TrainingSpec = trainingSpecSchema.parse({
  pipeline: 'diabetes-lgbm',
  task: 'regression',
  data: { source: 'sklearn', name: 'diabetes' },
  model: { estimator: 'lightgbm.LGBMRegressor', params: { n_estimators: 5 } },
});

// Inline scripts stand in for the pipeline: `python -c SCRIPT --spec FILE`, as the launcher runs it.
const PRELUDE = `import json, os, signal, subprocess, sys, time
def event(**fields):
    fields = {"v": 1, "ts": "2026-01-31T12:00:00.000Z", "seq": 1, **fields}
    os.write(3, (json.dumps(fields) + "\\n").encode())
`;

/** A warm pool of the pipeline's interpreter, ready for runs. */
async function readyPool(): Promise<WarmPool> {
  const pool = openPool();
  await waitFor('the warm pool to be ready', () => pool.readyPid !== null, { timeoutMs: POOL_READY_MS });
  return pool;
}

// The same contract, whether a run is forked from the warm pool or spawned cold.
describe.each(['cold', 'warm'] as const)(
  'the pipeline launcher, %s start (real Python processes)',
  (runner) => {
    const warm = runner === 'warm';
    let workRoot: string;
    let pool: WarmPool | null = null;
    /** The run started the way this suite tests. */
    const expectRunner = (exit: PipelineExit) => expect(exit.warm).toBe(warm);
    const base = () => launcherOptions(workRoot);

    beforeAll(async () => {
      workRoot = await mkdtemp(join(tmpdir(), 'ct-launcher-test-'));
      if (warm) pool = await readyPool();
    }, POOL_READY_MS + 5_000);

    afterAll(async () => {
      await pool?.close(5_000);
      await rm(workRoot, { recursive: true, force: true });
    });

    function start(
      script: string,
      options: Partial<LauncherOptions> = {},
      timeoutMs = 20_000,
      request: Partial<LaunchRequest> = {},
      withPool: WarmPool | null = pool,
    ) {
      const seen = {
        events: [] as PipelineEvent[],
        warnings: [] as string[],
        stdout: '',
        stderr: '',
        pids: [] as number[],
      };
      const sut = new ChildPipelineLauncher({ ...base(), ...options }, withPool);
      const pipeline: RunningPipeline = sut.launch({
        jobId: '00000000-0000-4000-8000-000000000001',
        entrypoint: ['-c', PRELUDE + script],
        spec: { training: SPEC },
        mlflowRunId: 'run-1',
        registeredModel: 'team-a.diabetes',
        timeoutMs,
        onSpawn: (pid) => seen.pids.push(pid),
        onEvent: (event) => seen.events.push(event),
        onWarning: (message) => seen.warnings.push(message),
        onOutput: (stream, text) => {
          seen[stream] += text;
        },
        ...request,
      });
      return { pipeline, seen };
    }

    it('parses events from fd 3, even split across writes, and reports invalid lines without stopping', async () => {
      const { pipeline, seen } = await start(`
event(type="step.started", step="extraction")
line = json.dumps({"v": 1, "ts": "2026-01-31T12:00:00.000Z", "seq": 2, "type": "metric", "key": "rmse", "value": 0.5})
os.write(3, line[:10].encode()); time.sleep(0.05); os.write(3, (line[10:] + "\\n").encode())
os.write(3, b"this is not json\\n")
event(type="result", payload={"status": "succeeded"})
`);
      const exit = await pipeline.exited;
      expectRunner(exit);
      expect(exit).toMatchObject({
        exitCode: 0,
        signal: null,
        timedOut: false,
        cancelled: false,
        spawnError: null,
      });
      expect(seen.events.map((e) => e.type)).toEqual(['step.started', 'metric', 'result']);
      expect(seen.events[1]).toMatchObject({ key: 'rmse', value: 0.5 });
      expect(seen.warnings).toEqual([expect.stringContaining('event line is not JSON: this is not json')]);
    });

    it('captures stdout and stderr, and drops output beyond the cap', async () => {
      const { pipeline, seen } = await start(
        `print("hello out", flush=True); print("hello err", file=sys.stderr, flush=True); time.sleep(0.2)
sys.stdout.write("x" * 5000); sys.stdout.flush(); sys.exit(3)`,
        { maxOutputBytes: 1000 },
      );
      const exit = await pipeline.exited;
      expectRunner(exit);
      expect(exit).toMatchObject({ exitCode: 3, outputTruncated: true });
      expect(seen.stdout.startsWith('hello out\n')).toBe(true);
      expect(seen.stderr).toBe('hello err\n');
      expect(Buffer.byteLength(seen.stdout + seen.stderr)).toBe(1000);
      expect(seen.warnings).toEqual(['output beyond 1000 bytes was dropped']);
    });

    it('gives the child only the allowed environment, its own work dir and the spec as a file', async () => {
      const { pipeline, seen } = await start(`
print(json.dumps({"env": dict(os.environ), "cwd": os.getcwd(), "argv": sys.argv,
    "spec": json.load(open(sys.argv[-1])), "pgid": os.getpgid(0), "pid": os.getpid()}), flush=True)`);
      const exit = await pipeline.exited;
      expectRunner(exit);
      expect(exit.exitCode).toBe(0);
      const child = JSON.parse(seen.stdout);
      expect(child.env).toEqual({
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: child.cwd,
        LANG: 'C.UTF-8',
        TMPDIR: `${child.cwd}/tmp`,
        TMP: `${child.cwd}/tmp`,
        TEMP: `${child.cwd}/tmp`,
        MPLCONFIGDIR: join(workRoot, 'model-cache', '.matplotlib'),
        PYTHONUNBUFFERED: '1',
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3',
        MLFLOW_HTTP_REQUEST_TIMEOUT: '30',
        MLFLOW_TRACKING_URI: 'http://127.0.0.1:5050',
        MLFLOW_RUN_ID: 'run-1',
        CT_EVENTS_FD: '3',
        CT_JOB_ID: '00000000-0000-4000-8000-000000000001',
        CT_DATA_ROOT: '/srv/ct-data',
        CT_PROJECTS_ROOT: '/srv/ct-projects',
        CT_REGISTERED_MODEL: 'team-a.diabetes',
        CT_SOURCE_STATEMENT_TIMEOUT_MS: '300000',
        CT_MODEL_CACHE_DIR: join(workRoot, 'model-cache'),
        CT_PROJECT_ENV_DIR: join(workRoot, 'project-envs'),
        UV_CACHE_DIR: join(workRoot, 'uv-cache'),
        OMP_NUM_THREADS: '1',
      });
      expect(child.cwd.startsWith(`${workRoot}/00000000-0000-4000-8000-000000000001-`)).toBe(true);
      expect(child.argv).toEqual(['-c', '--spec', `${child.cwd}/spec.json`]);
      expect(child.spec).toEqual(SPEC);
      expect(child.pgid).toBe(child.pid);
      expect(seen.pids).toEqual([child.pid]);
      expect(existsSync(child.cwd)).toBe(false);
    });

    it('passes a file of the worker as the spec, and the exchange dir, which outlive the run', async () => {
      const exchange = await mkdtemp(join(workRoot, 'exchange-'));
      const file = join(exchange, 'task.json');
      await writeFile(file, JSON.stringify({ kind: 'score' }));
      const { pipeline, seen } = await start(
        `exchange = os.environ["CT_EXCHANGE_DIR"]
open(os.path.join(exchange, "predictions.csv"), "w").write("row_key\\n")
print(json.dumps({"argv": sys.argv, "exchange": exchange, "task": json.load(open(sys.argv[-1]))}), flush=True)`,
        {},
        20_000,
        { spec: { file }, exchangeDir: exchange },
      );
      const exit = await pipeline.exited;
      expectRunner(exit);
      expect(exit.exitCode).toBe(0);
      const child = JSON.parse(seen.stdout);
      expect(child).toEqual({ argv: ['-c', '--spec', file], exchange, task: { kind: 'score' } });
      expect(await readFile(join(exchange, 'predictions.csv'), 'utf8')).toBe('row_key\n');
    });

    it('kills the whole process group, grandchild included, at the time limit', async () => {
      const { pipeline, seen } = await start(
        `child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True); time.sleep(60)`,
        {},
        1_500,
      );
      await waitFor('the grandchild pid', () => /^\d+\n/.test(seen.stdout));
      const grandchild = Number(seen.stdout.trim());
      const exit = await pipeline.exited;
      expectRunner(exit);
      expect(exit).toMatchObject({ timedOut: true, cancelled: false, signal: 'SIGTERM', exitCode: null });
      expect(exit.durationMs).toBeGreaterThanOrEqual(1_500);
      await waitFor('the grandchild to be gone', () => processGone(grandchild));
      expect(groupGone(exit.pid ?? 0)).toBe(true);
    });

    it('on cancel, sends SIGTERM, then SIGKILL to a child that ignores it', async () => {
      const { pipeline, seen } = await start(`signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True); time.sleep(60)`);
      await waitFor('the child to be ready', () => seen.stdout.includes('ready'));
      const cancelledAt = Date.now();
      pipeline.cancel();
      pipeline.cancel();
      const exit = await pipeline.exited;
      expectRunner(exit);
      expect(exit).toMatchObject({ cancelled: true, timedOut: false, signal: 'SIGKILL' });
      expect(Date.now() - cancelledAt).toBeGreaterThanOrEqual(450);
      expect(groupGone(exit.pid ?? 0)).toBe(true);
    });

    it('on cancel, stops a child that obeys SIGTERM at once', async () => {
      const { pipeline, seen } = await start(`print("ready", flush=True); time.sleep(60)`, {
        killGraceMs: 30_000,
      });
      await waitFor('the child to be ready', () => seen.stdout.includes('ready'));
      pipeline.cancel();
      const exit = await pipeline.exited;
      expectRunner(exit);
      expect(exit).toMatchObject({ cancelled: true, signal: 'SIGTERM' });
      expect(exit.durationMs).toBeLessThan(10_000);
    });

    it('ends what a finished pipeline left behind, without waiting for it', async () => {
      const { pipeline, seen } =
        await start(`child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)`);
      const exit = await pipeline.exited;
      expectRunner(exit);
      expect(exit).toMatchObject({ exitCode: 0, cancelled: false, timedOut: false });
      expect(exit.durationMs).toBeLessThan(10_000);
      await waitFor('the orphan to be gone', () => processGone(Number(seen.stdout.trim())));
    });

    it(
      'kills the groups it still runs when the worker process exits abruptly',
      async () => {
        const options = base();
        // Warm: the pool's server dies with the worker, and its runs with it.
        const worker = `import 'reflect-metadata';
      const { ChildPipelineLauncher } = await import(${JSON.stringify(BUILT_LAUNCHER)});
      const { WarmPool } = await import(${JSON.stringify(BUILT_POOL)});
      let pool = null;
      if (${warm}) {
        pool = new WarmPool({ python: ${JSON.stringify(PIPELINE_PYTHON)}, threadEnv: {}, mplConfigDir: '/tmp/ct-test-matplotlib', forkTimeoutMs: 10000, codeCheckMs: 60000 }, { started() {} });
        pool.open();
        while (pool.readyPid === null) await new Promise((resolve) => setTimeout(resolve, 100));
        console.log('server', pool.readyPid);
      }
      new ChildPipelineLauncher(${JSON.stringify(options)}, pool).launch({
        jobId: 'abrupt', entrypoint: ['-c', 'import time; time.sleep(60)'], spec: { training: {} }, mlflowRunId: 'r', registeredModel: 'a.b', timeoutMs: 60000,
        onSpawn: (pid) => { console.log('pid', pid); setTimeout(() => process.exit(1), 300); },
        onEvent() {}, onWarning() {}, onOutput() {},
      });`;
        const { code, output } = await runToEnd(
          process.execPath,
          ['--input-type=module', '-e', worker],
          process.env,
        );
        expect(code).toBe(1);
        const pid = Number(/pid (\d+)/.exec(output)?.[1]);
        await waitFor('the orphaned group to be gone', () => groupGone(pid));
        if (warm)
          await waitFor('the pool server to be gone', () =>
            groupGone(Number(/server (\d+)/.exec(output)?.[1])),
          );
      },
      POOL_READY_MS,
    );

    it('reports a child that cannot start, and leaves no work dir behind', async () => {
      const root = join(workRoot, 'spawn-failure');
      // Warm: a pool whose server cannot start either; the run falls back to a cold start, which fails.
      const broken = warm ? openPool({ python: '/nonexistent/python' }) : null;
      const { pipeline } = start('', { python: '/nonexistent/python', workRoot: root }, 20_000, {}, broken);
      const exit = await pipeline.exited;
      await broken?.close(1_000);
      expect(exit).toMatchObject({ pid: null, exitCode: null, signal: null, warm: false });
      expect(exit.spawnError?.message).toContain('ENOENT');
      expect(await readdir(root)).toEqual([]);
    });
  },
);
