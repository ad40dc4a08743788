// What bench/mlflow-traffic.mjs prints: per job, its MLflow requests against the P5 goal, where its seconds
// went by step, and the requests by endpoint.

import { PIPELINE_STEPS as STEPS } from '../../packages/shared/dist/index.js';
import * as m from './measure.mjs';
import { isArtifactTransfer } from './mlflow-proxy.mjs';

const CHILD_COUNT = /^MLflow: (\d+) requests/;

/** The P5 goal for a job that logged `metrics` metric values: non-artifact requests at most. */
export const goalOf = (metrics) => Math.ceil(metrics / 1000) + 10;

/** One finished job's figures from its record, its stored events and the proxy's requests in its window. */
export function jobTraffic({ n, job, events, requests }) {
  const python = requests.filter((r) => r.sender === 'python');
  const transfers = requests.filter((r) => isArtifactTransfer(r.endpoint)).length;
  const metrics = requests.reduce((sum, r) => sum + r.metrics, 0);
  const childLine = events.find((e) => e.type === 'log' && CHILD_COUNT.test(e.message));
  const [created, started, ended] = [job.createdAt, job.startedAt, job.finishedAt].map(Date.parse);
  const firstStep = events.find((e) => e.type === 'step.started');
  const steps = Object.fromEntries(
    events.filter((e) => e.type === 'step.finished').map((e) => [e.step, e.durationMs / 1000]),
  );
  // The training step's progress: 0 before the fit, 0.8 once fitted, 1 once the model and sample are logged.
  const trainingAt = (fraction) =>
    Date.parse(
      events.find((e) => e.type === 'progress' && e.step === 'training' && e.fraction === fraction)?.at ?? '',
    );
  steps.fit = (trainingAt(0.8) - trainingAt(0)) / 1000;
  steps.logModel = (trainingAt(1) - trainingAt(0.8)) / 1000;
  return {
    n,
    jobId: job.id,
    outcome: job.decision?.outcome ?? 'n/a',
    seconds: (ended - created) / 1000,
    startS: (Date.parse(firstStep?.at ?? '') - started) / 1000,
    steps,
    total: requests.length,
    python: python.length,
    worker: requests.length - python.length,
    transfers,
    nonArtifact: requests.length - transfers,
    metrics,
    goal: goalOf(metrics),
    // The model's files live under <experiment>/models/m-<id>/artifacts/: only a champion is downloaded.
    modelFilesDownloaded: requests.filter(
      (r) => r.endpoint === 'artifacts:download' && /\/models\/m-/.test(r.path),
    ).length,
    serverMs: requests.reduce((sum, r) => sum + r.ms, 0),
    childSays: childLine ? Number(CHILD_COUNT.exec(childLine.message)[1]) : null,
    byEndpoint: requests.reduce(
      (counts, r) => counts.set(r.endpoint, (counts.get(r.endpoint) ?? 0) + 1),
      new Map(),
    ),
  };
}

/** Prints the figures of every job. */
export function report({ setup, jobs }) {
  console.log(`\nP5 MLflow traffic: the demo job (examples/diabetes-lgbm.job.json) as ${setup.pipeline}`);
  console.log(
    `MLflow ${setup.mlflow}, counted at a proxy (${setup.proxy}) the API and the worker were given\n`,
  );
  m.table(
    [
      'job',
      'decision',
      'submit->done s',
      'start->1st step s',
      'requests',
      'python',
      'worker',
      'transfers',
      'not transfers',
      'goal',
      'ratio',
      'metrics',
      'model files down',
      'MLflow ms',
      'child says',
    ],
    jobs.map((j) => [
      j.n,
      j.outcome,
      m.fixed(j.seconds, 2),
      m.fixed(j.startS, 2),
      j.total,
      j.python,
      j.worker,
      j.transfers,
      j.nonArtifact,
      j.goal,
      m.ratio(j.nonArtifact, j.goal),
      j.metrics,
      j.modelFilesDownloaded,
      m.fixed(j.serverMs, 0),
      j.childSays ?? 'n/a',
    ]),
  );
  console.log('\nseconds by step (step.finished durations; training = fit + log model and sample)');
  const columns = [...STEPS.slice(0, 4), 'fit', 'logModel', ...STEPS.slice(4)];
  m.table(
    ['job', ...columns.map((c) => (c === 'logModel' ? 'log model' : c))],
    jobs.map((j) => [j.n, ...columns.map((s) => m.fixed(j.steps[s], 2))]),
  );
  const totalOf = (e) => jobs.reduce((sum, j) => sum + (j.byEndpoint.get(e) ?? 0), 0);
  const endpoints = [...new Set(jobs.flatMap((j) => [...j.byEndpoint.keys()]))].sort(
    (a, b) => totalOf(b) - totalOf(a) || a.localeCompare(b),
  );
  console.log('\nrequests by endpoint');
  m.table(
    ['endpoint', ...jobs.map((j) => `job ${j.n}`)],
    endpoints.map((e) => [e, ...jobs.map((j) => j.byEndpoint.get(e) ?? 0)]),
  );
  console.log(
    '\ngoal: ceil(metric values logged / 1000) + 10 requests that are not artifact transfers (uploads and ' +
      'downloads), per job; "metrics" counts the values in runs/log-batch and runs/log-metric bodies; ' +
      '"model files down" are downloads of a registered model\'s files (the champion, re-evaluated)',
  );
}
