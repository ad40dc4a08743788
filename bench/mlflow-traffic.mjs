// P5, MLflow traffic per job: how many HTTP requests a training job sends to MLflow, by endpoint, artifact
// transfers apart, against the goal ceil(metrics / 1000) + 10 requests that are not artifact transfers.
//   pnpm exec turbo run build && node bench/mlflow-traffic.mjs [--jobs=3] [--small] [--trace]
// Starts its own API and worker (apps/*/dist/main.js, startPlatform) whose MLFLOW_TRACKING_URI is a counting
// HTTP proxy (bench/lib/mlflow-proxy.mjs) in front of the real MLflow server (MLFLOW_TRACKING_URI or the local
// default). Submits the README's demo job (examples/diabetes-lgbm.job.json, a fresh pipeline name) --jobs
// times, one after the other: the first makes the champion, the others are judged against it (the same data
// and parameters: the champion does not change, so its model files need no new download). Each job's
// requests are the ones the proxy saw between its submission and its end (the worker's and its Python
// child's, told apart by User-Agent); the child's own count (its last `log` event) is printed beside them.
// --small: 2 jobs (CI). --trace: also lists each job's requests in order (sender, method, path, status). Asserts no figure; exits non-zero only on errors (a failed job, a count that the
// child and the proxy disagree on). Removes its processes, database, BullMQ keys and temp dir; the MLflow
// runs and the registered model stay.
import { randomBytes } from 'node:crypto';
import { benchmark, needBuilt, options } from './lib/bench-run.mjs';
import { demoSpec } from './lib/job-timing.mjs';
import * as m from './lib/measure.mjs';
import { startMlflowProxy } from './lib/mlflow-proxy.mjs';
import { jobTraffic, report } from './lib/mlflow-traffic-report.mjs';
import { BUILT, startPlatform } from './lib/platform-stack.mjs';

needBuilt(Object.values(BUILT));
const args = options({ jobs: { whole: 3, min: 1 }, small: { flag: true }, trace: { flag: true } });
const JOBS = args.small ? 2 : args.jobs;
const TEAM = 'platform';
const PIPELINE = `bench-mlflow-${randomBytes(4).toString('hex')}`;
// After a job ends, requests still in flight (the worker ending the run) are waited for this long.
const QUIET_MS = 500;

const { cleanups, problems, main } = benchmark();

/** Waits until the proxy has seen no new request for `QUIET_MS`. */
async function quiet(proxy) {
  for (let seen = -1; seen !== proxy.requests.length; ) {
    seen = proxy.requests.length;
    await m.sleep(QUIET_MS);
  }
}

async function run() {
  const { LOCAL_DEFAULTS } = await import('../packages/shared/dist/runtime.js');
  const target = process.env.MLFLOW_TRACKING_URI ?? LOCAL_DEFAULTS.MLFLOW_TRACKING_URI;
  const proxy = await startMlflowProxy(target);
  cleanups.add('MLflow proxy', () => proxy.close());
  process.env.MLFLOW_TRACKING_URI = proxy.url; // what startPlatform hands the API and the worker
  const ct = await startPlatform({ cleanups, name: 'mlflow', team: TEAM });
  const body = { spec: await demoSpec(PIPELINE) };
  const jobs = [];
  for (let n = 1; n <= JOBS; n++) {
    await quiet(proxy);
    const from = proxy.requests.length;
    const queued = await ct.send('POST', '/v1/jobs', body, 201);
    const job = await ct.finishedJob(queued.id);
    await quiet(proxy);
    const requests = proxy.requests.slice(from);
    const events = await ct.jobEvents(job.id);
    const traffic = jobTraffic({ n, job, events, requests });
    m.log(
      `job ${n} of ${JOBS}: ${traffic.seconds.toFixed(1)} s, ${requests.length} MLflow requests ` +
        `(${traffic.nonArtifact} not artifact transfers), ${job.decision?.outcome ?? 'no decision'}`,
    );
    if (args.trace)
      for (const r of requests)
        console.log(`  ${r.sender.padEnd(6)} ${r.method.padEnd(4)} ${r.status} ${r.path}`);
    if (traffic.childSays !== null && traffic.childSays !== traffic.python)
      problems.push(
        `job ${n}: the child counted ${traffic.childSays} MLflow requests, the proxy ${traffic.python}`,
      );
    jobs.push(traffic);
  }
  report({ setup: { pipeline: `${TEAM}.${PIPELINE}`, mlflow: target, proxy: proxy.url }, jobs });
}

await main(run);
