import { join } from 'node:path';
import type { MlflowRunLocation } from './pipeline-launcher.js';

/** What a pipeline process may know about its surroundings; nothing else of the worker's environment. */
export interface ChildEnvInput {
  workDir: string;
  jobId: string;
  dataRoot: string;
  /** Registered project directories (the worker's CT_PROJECTS_ROOT). */
  projectsRoot: string;
  /** The IRIS instance of `iris` data sources (the worker's CT_IRIS_URL). */
  irisUrl: string | null;
  mlflowTrackingUri: string;
  mlflowRunId: string;
  /** The run's experiment and artifact store, when the worker knows them (it created the run). */
  mlflowRun?: MlflowRunLocation;
  /** The MLflow registered model the run's version goes to (`<team>.<pipeline>`). */
  registeredModel: string;
  /** The deployment's git commit, when the worker knows it (its own CT_CODE_VERSION). */
  codeVersion: string | null;
  /** The read-only database of `postgres` data sources (the worker's CT_SOURCE_DATABASE_URL). */
  sourceDatabaseUrl: string | null;
  /** The time limit of a `postgres` or `iris` source query (the worker's CT_SOURCE_STATEMENT_TIMEOUT_MS). */
  sourceStatementTimeoutMs: number;
  /** Where models are kept between runs, by registered model and version (the worker's WORKER_MODEL_CACHE_DIR). */
  modelCacheDir: string;
  /** The attempt's exchange dir of a score or monitor run; null for training. */
  exchangeDir: string | null;
  /** MLflow Projects' own Python environments, built once per host (beside the worker's project cache). */
  projectEnvDir: string;
  /** The uv that builds them (the worker's CT_UV, else the uv on its PATH); null when there is none. */
  uv: string | null;
  /** uv's cache of downloaded packages, kept between runs (the worker's UV_CACHE_DIR, else its user's). */
  uvCacheDir: string;
  /** OMP_NUM_THREADS and OPENBLAS_* as set for the worker. */
  threadEnv: Readonly<Record<string, string>>;
}

/** The events pipe is the child's fd 3 (stdio: ignore, stdout, stderr, events). */
export const EVENTS_FD = 3;
export const MINIMAL_PATH = '/usr/local/bin:/usr/bin:/bin';

/** matplotlib's config and font cache, kept with the worker's model cache (runs and the warm pool share it). */
export function matplotlibConfigDir(modelCacheDir: string): string {
  return join(modelCacheDir, '.matplotlib');
}

/** The child's temporary folder, inside its work dir, so that it goes when the run's work dir is removed. */
export function childTmpDir(workDir: string): string {
  return join(workDir, 'tmp');
}

/**
 * The complete environment of a pipeline process: secrets of the worker (DATABASE_URL...) never leak; the
 * only credential it gets is the one meant for it, the read-only source database.
 */
export function childEnv(input: ChildEnvInput): Record<string, string> {
  const tmp = childTmpDir(input.workDir);
  return {
    ...input.threadEnv,
    PATH: MINIMAL_PATH,
    HOME: input.workDir,
    LANG: 'C.UTF-8',
    // Python's tempfile, numpy, joblib and the C library all look here (TMPDIR first, TEMP and TMP on
    // some paths): a split the child leaves behind is removed with the work dir, even after SIGKILL.
    TMPDIR: tmp,
    TMP: tmp,
    TEMP: tmp,
    // matplotlib keeps its font cache in MPLCONFIGDIR, else under HOME, which is the run's own work dir:
    // every run would scan the machine's fonts again (seconds where many are installed). Kept with the
    // worker's model cache, the font list is built once per worker.
    MPLCONFIGDIR: matplotlibConfigDir(input.modelCacheDir),
    // Output reaches the job's log as it is written, not in bursts when a buffer fills.
    PYTHONUNBUFFERED: '1',
    // MLflow's client otherwise retries for minutes; an unreachable server should fail the attempt soon,
    // as an infrastructure failure that BullMQ retries with backoff.
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '30',
    MLFLOW_TRACKING_URI: input.mlflowTrackingUri,
    MLFLOW_RUN_ID: input.mlflowRunId,
    ...(input.mlflowRun?.artifactUri
      ? {
          CT_MLFLOW_EXPERIMENT_ID: input.mlflowRun.experimentId,
          CT_MLFLOW_ARTIFACT_URI: input.mlflowRun.artifactUri,
        }
      : {}),
    CT_EVENTS_FD: String(EVENTS_FD),
    CT_JOB_ID: input.jobId,
    CT_DATA_ROOT: input.dataRoot,
    CT_PROJECTS_ROOT: input.projectsRoot,
    ...(input.irisUrl === null ? {} : { CT_IRIS_URL: input.irisUrl }),
    CT_REGISTERED_MODEL: input.registeredModel,
    ...(input.codeVersion === null ? {} : { CT_CODE_VERSION: input.codeVersion }),
    ...(input.sourceDatabaseUrl === null ? {} : { CT_SOURCE_DATABASE_URL: input.sourceDatabaseUrl }),
    CT_SOURCE_STATEMENT_TIMEOUT_MS: String(input.sourceStatementTimeoutMs),
    CT_MODEL_CACHE_DIR: input.modelCacheDir,
    ...(input.exchangeDir === null ? {} : { CT_EXCHANGE_DIR: input.exchangeDir }),
    CT_PROJECT_ENV_DIR: input.projectEnvDir,
    ...(input.uv === null ? {} : { CT_UV: input.uv }),
    UV_CACHE_DIR: input.uvCacheDir,
  };
}
