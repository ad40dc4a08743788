import { type MlflowRun, mlflowGet } from '../mlflow.js';

/** A run as `runs/get` returns it, with the fields the e2e MlflowRun leaves out. */
interface FullRun {
  info: MlflowRun['info'] & { end_time?: number };
  data: Omit<MlflowRun['data'], 'metrics'> & {
    metrics?: { key: string; value: number; timestamp: number }[];
  };
}

async function post<T>(uri: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${uri}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`MLflow POST ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Every run tagged `ct.job_id = <jobId>` in the given experiments (deleted ones included). */
export async function runsOfJob(uri: string, experimentIds: string[], jobId: string): Promise<MlflowRun[]> {
  const { runs } = await post<{ runs?: MlflowRun[] }>(uri, 'runs/search', {
    experiment_ids: experimentIds,
    filter: `tags.\`ct.job_id\` = '${jobId}'`,
    run_view_type: 'ALL',
    max_results: 100,
  });
  return runs ?? [];
}

/** Every experiment id of the server (a private server holds few). */
export async function allExperimentIds(uri: string): Promise<string[]> {
  const { experiments } = await post<{ experiments?: { experiment_id: string }[] }>(
    uri,
    'experiments/search',
    {
      max_results: 1000,
    },
  );
  return (experiments ?? []).map((experiment) => experiment.experiment_id);
}

/** Everything a run has received: what a process still writing into it would change. */
export interface RunWrites {
  status: string;
  endTime: number | null;
  /** `key@timestamp` of each metric's latest value. */
  metrics: string[];
  /** Latest metric timestamp (ms), 0 when none. */
  lastMetricAt: number;
  params: number;
  artifacts: string[];
  loggedModels: string[];
  modelVersions: string[];
}

export async function runWrites(uri: string, runId: string): Promise<RunWrites> {
  const { run } = await mlflowGet<{ run: FullRun }>(uri, `runs/get?run_id=${runId}`);
  const metrics = run.data.metrics ?? [];
  const { models } = await post<{ models?: { info: { model_id: string; source_run_id?: string } }[] }>(
    uri,
    'logged-models/search',
    { experiment_ids: [run.info.experiment_id], max_results: 1000 },
  );
  const filter = encodeURIComponent(`run_id='${runId}'`);
  const { model_versions } = await mlflowGet<{ model_versions?: { name: string; version: string }[] }>(
    uri,
    `model-versions/search?filter=${filter}`,
  );
  return {
    status: run.info.status,
    endTime: run.info.end_time ?? null,
    metrics: metrics.map((metric) => `${metric.key}@${metric.timestamp}`).sort(),
    lastMetricAt: Math.max(0, ...metrics.map((metric) => metric.timestamp)),
    params: (run.data.params ?? []).length,
    artifacts: await artifactPaths(uri, runId, ''),
    loggedModels: (models ?? [])
      .filter((model) => model.info.source_run_id === runId)
      .map((model) => model.info.model_id),
    modelVersions: (model_versions ?? []).map((version) => `${version.name}/${version.version}`),
  };
}

async function artifactPaths(uri: string, runId: string, path: string): Promise<string[]> {
  const query = `run_id=${runId}${path ? `&path=${encodeURIComponent(path)}` : ''}`;
  const { files } = await mlflowGet<{ files?: { path: string; is_dir: boolean; file_size?: number }[] }>(
    uri,
    `artifacts/list?${query}`,
  );
  const found: string[] = [];
  for (const file of files ?? []) {
    if (file.is_dir) found.push(...(await artifactPaths(uri, runId, file.path)));
    else found.push(`${file.path}:${file.file_size ?? 0}`);
  }
  return found.sort();
}

/** The parts of `later` that `earlier` lacked: writes that arrived in between. */
export function writesBetween(earlier: RunWrites, later: RunWrites): Record<string, string[] | number> {
  const added = (before: string[], after: string[]) => after.filter((item) => !before.includes(item));
  const diff: Record<string, string[] | number> = {};
  const metrics = added(earlier.metrics, later.metrics);
  if (metrics.length) diff.metrics = metrics;
  if (later.params !== earlier.params) diff.params = later.params - earlier.params;
  const artifacts = added(earlier.artifacts, later.artifacts);
  if (artifacts.length) diff.artifacts = artifacts;
  const loggedModels = added(earlier.loggedModels, later.loggedModels);
  if (loggedModels.length) diff.loggedModels = loggedModels;
  const versions = added(earlier.modelVersions, later.modelVersions);
  if (versions.length) diff.modelVersions = versions;
  return diff;
}
