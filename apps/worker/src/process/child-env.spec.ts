import { type ChildEnvInput, childEnv, childTmpDir } from './child-env.js';

const input: ChildEnvInput = {
  workDir: '/tmp/ct-worker/job-1',
  jobId: 'job-1',
  dataRoot: '/srv/data',
  projectsRoot: '/srv/projects',
  irisUrl: null,
  mlflowTrackingUri: 'http://mlflow:5000',
  mlflowRunId: 'run-1',
  registeredModel: 'team-a.diabetes',
  codeVersion: null,
  sourceDatabaseUrl: null,
  sourceStatementTimeoutMs: 300_000,
  modelCacheDir: '/var/cache/ct-models',
  exchangeDir: null,
  projectEnvDir: '/var/cache/ct-projects/envs',
  uv: '/usr/local/bin/uv',
  uvCacheDir: '/var/cache/uv',
  threadEnv: { OMP_NUM_THREADS: '2', PATH: '/evil' },
};

describe('childEnv', () => {
  it('holds exactly the variables of the contract; thread settings cannot override them', () => {
    const sut = childEnv(input);
    expect(sut).toEqual({
      OMP_NUM_THREADS: '2',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/tmp/ct-worker/job-1',
      LANG: 'C.UTF-8',
      TMPDIR: '/tmp/ct-worker/job-1/tmp',
      TMP: '/tmp/ct-worker/job-1/tmp',
      TEMP: '/tmp/ct-worker/job-1/tmp',
      MPLCONFIGDIR: '/var/cache/ct-models/.matplotlib',
      PYTHONUNBUFFERED: '1',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '30',
      MLFLOW_TRACKING_URI: 'http://mlflow:5000',
      MLFLOW_RUN_ID: 'run-1',
      CT_EVENTS_FD: '3',
      CT_JOB_ID: 'job-1',
      CT_DATA_ROOT: '/srv/data',
      CT_PROJECTS_ROOT: '/srv/projects',
      CT_REGISTERED_MODEL: 'team-a.diabetes',
      CT_SOURCE_STATEMENT_TIMEOUT_MS: '300000',
      CT_MODEL_CACHE_DIR: '/var/cache/ct-models',
      CT_PROJECT_ENV_DIR: '/var/cache/ct-projects/envs',
      CT_UV: '/usr/local/bin/uv',
      UV_CACHE_DIR: '/var/cache/uv',
    });
    expect(childEnv({ ...input, uv: null })).not.toHaveProperty('CT_UV');
  });

  it('gives each run its own temporary folder inside its work dir', () => {
    const [first, second] = ['/w/job-1-a', '/w/job-2-b'].map((workDir) => childEnv({ ...input, workDir }));
    expect(first).toMatchObject({ TMPDIR: '/w/job-1-a/tmp', TMP: '/w/job-1-a/tmp', TEMP: '/w/job-1-a/tmp' });
    expect(second?.TMPDIR).toBe(childTmpDir('/w/job-2-b'));
    expect(childTmpDir('/w/job-2-b')).toBe('/w/job-2-b/tmp');
  });

  it("keeps matplotlib's font cache with the worker's model cache, shared by every run", () => {
    const [first, second] = ['/w/job-1-a', '/w/job-2-b'].map((workDir) => childEnv({ ...input, workDir }));
    expect(first?.MPLCONFIGDIR).toBe('/var/cache/ct-models/.matplotlib');
    expect(second?.MPLCONFIGDIR).toBe(first?.MPLCONFIGDIR);
  });

  it('thread settings cannot move the temporary folder elsewhere', () => {
    const sut = childEnv({ ...input, threadEnv: { TMPDIR: '/tmp', OMP_NUM_THREADS: '1' } });
    expect(sut.TMPDIR).toBe('/tmp/ct-worker/job-1/tmp');
  });

  it('passes the source statement timeout as whole milliseconds', () => {
    expect(childEnv({ ...input, sourceStatementTimeoutMs: 200 }).CT_SOURCE_STATEMENT_TIMEOUT_MS).toBe('200');
  });

  it('passes the code version and the source database on when the worker has them', () => {
    const sut = childEnv({
      ...input,
      codeVersion: '5b7aaa4',
      sourceDatabaseUrl: 'postgres://reader@db/src',
      irisUrl: 'iris://reader:secret@iris:1972/USER',
    });
    expect(sut).toMatchObject({
      CT_CODE_VERSION: '5b7aaa4',
      CT_SOURCE_DATABASE_URL: 'postgres://reader@db/src',
      CT_IRIS_URL: 'iris://reader:secret@iris:1972/USER',
    });
  });

  it('passes the exchange dir of a score or monitor run, and none to training', () => {
    expect(childEnv({ ...input, exchangeDir: '/w/job-1-exchange-x' }).CT_EXCHANGE_DIR).toBe(
      '/w/job-1-exchange-x',
    );
    expect(childEnv(input)).not.toHaveProperty('CT_EXCHANGE_DIR');
  });

  it('says where the run is when the worker knows it, so that the pipeline need not read the run', () => {
    const run = { experimentId: '7', artifactUri: 'mlflow-artifacts:/7/r1/artifacts' };
    expect(childEnv({ ...input, mlflowRun: run })).toMatchObject({
      CT_MLFLOW_EXPERIMENT_ID: '7',
      CT_MLFLOW_ARTIFACT_URI: 'mlflow-artifacts:/7/r1/artifacts',
    });
    for (const sut of [childEnv(input), childEnv({ ...input, mlflowRun: { ...run, artifactUri: null } })]) {
      expect(sut).not.toHaveProperty('CT_MLFLOW_ARTIFACT_URI');
      expect(sut).not.toHaveProperty('CT_MLFLOW_EXPERIMENT_ID');
    }
  });
});
