import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  apiEnvSchema,
  ConfigError,
  enabledLogLevels,
  LOCAL_DEFAULTS,
  loadConfig,
  workerEnvSchema,
} from '../runtime.js';

const AUDIT_DEFAULTS = {
  file: resolve('audit/ct-audit.jsonl'),
  spoolDir: resolve('audit/spool'),
  prefix: 'ct',
  iris: null,
  bufferMax: 10_000,
  batchSize: 100,
  retryBaseMs: 200,
  retryMaxMs: 30_000,
};

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies local defaults when nothing is set', () => {
    const sut = loadConfig(apiEnvSchema, {});
    expect(sut).toEqual({
      env: 'development',
      logLevel: 'log',
      redisUrl: LOCAL_DEFAULTS.REDIS_URL,
      databaseUrl: LOCAL_DEFAULTS.DATABASE_URL,
      mlflowTrackingUri: LOCAL_DEFAULTS.MLFLOW_TRACKING_URI,
      http: { host: '127.0.0.1', port: 3000, bodyLimitBytes: 262_144 },
      healthCheckTimeoutMs: 2000,
      reconcileIntervalMs: 30_000,
      attemptLeaseMs: 30_000,
      teamQuota: { maxRunning: 20, maxQueued: 10_000 },
      scheduleResyncMs: 300_000,
      sourceDatabaseUrl: null,
      sourceStatementTimeoutMs: 300_000,
      dataRoot: resolve('data'),
      bootstrapAdmin: null,
      jobLogMaxBytes: 5_242_880,
      bullmqPrefix: 'ct',
      audit: AUDIT_DEFAULTS,
    });
  });

  it('reads given values and normalises the MLflow URI', () => {
    const sut = loadConfig(apiEnvSchema, {
      REDIS_URL: 'rediss://cache.internal:6380/2',
      DATABASE_URL: 'postgresql://app:secret@db:5432/ct',
      MLFLOW_TRACKING_URI: 'https://mlflow.internal/',
      API_PORT: '8080',
      API_HOST: '0.0.0.0',
    });
    expect(sut.redisUrl).toBe('rediss://cache.internal:6380/2');
    expect(sut.databaseUrl).toBe('postgresql://app:secret@db:5432/ct');
    expect(sut.mlflowTrackingUri).toBe('https://mlflow.internal');
    expect(sut.http).toEqual({ host: '0.0.0.0', port: 8080, bodyLimitBytes: 262_144 });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig(workerEnvSchema, { REDIS_URL: '', WORKER_CONCURRENCY: '' })).toMatchObject({
      redisUrl: LOCAL_DEFAULTS.REDIS_URL,
      concurrency: 1,
    });
  });

  it.each([
    ['REDIS_URL', 'http://cache:6379', 'must be a URL starting with redis:// or rediss://'],
    ['REDIS_URL', 'not a url', 'must be a URL starting with redis:// or rediss://'],
    ['DATABASE_URL', 'mysql://db/ct', 'must be a URL starting with postgres:// or postgresql://'],
    ['MLFLOW_TRACKING_URI', 'file:///tmp/mlruns', 'must be a URL starting with http:// or https://'],
    ['API_PORT', 'eighty', 'must be a whole number from 1 to 65535'],
    ['API_PORT', '70000', 'must be a whole number from 1 to 65535'],
    ['API_PORT', '-1', 'must be a whole number from 1 to 65535'],
    ['HEALTH_CHECK_TIMEOUT_MS', '10', 'must be a whole number from 50 to 60000'],
    ['LOG_LEVEL', 'loud', 'must be one of fatal, error, warn, log, debug, verbose'],
    ['CT_ENV', 'staging', 'must be one of development, test, production'],
  ])('rejects %s=%s', (variable, value, message) => {
    const sut = configErrorOf(() => loadConfig(apiEnvSchema, { [variable]: value }));
    expect(sut.issues).toEqual([{ variable, message: expect.stringContaining(message) }]);
    expect(sut.message).toContain(`${variable}: ${message}`);
  });

  it('rejects a bad worker concurrency', () => {
    const sut = configErrorOf(() => loadConfig(workerEnvSchema, { WORKER_CONCURRENCY: '0' }));
    expect(sut.issues).toEqual([
      { variable: 'WORKER_CONCURRENCY', message: 'must be a whole number from 1 to 64' },
    ]);
  });

  it('rejects a warm pool setting other than 0 or 1', () => {
    const sut = configErrorOf(() => loadConfig(workerEnvSchema, { WORKER_PYTHON_POOL: '2' }));
    expect(sut.issues).toEqual([
      { variable: 'WORKER_PYTHON_POOL', message: 'must be a whole number from 0 to 1' },
    ]);
  });

  it('applies the worker defaults, with paths resolved against the working directory', () => {
    const sut = loadConfig(workerEnvSchema, {});
    expect(sut).toEqual({
      env: 'development',
      logLevel: 'log',
      redisUrl: LOCAL_DEFAULTS.REDIS_URL,
      databaseUrl: LOCAL_DEFAULTS.DATABASE_URL,
      mlflowTrackingUri: LOCAL_DEFAULTS.MLFLOW_TRACKING_URI,
      bullmqPrefix: 'ct',
      jobLogMaxBytes: 5_242_880,
      audit: AUDIT_DEFAULTS,
      concurrency: 1,
      lockDurationMs: 30_000,
      attemptLeaseMs: 30_000,
      teamMaxRunningJobs: 20,
      teamQuota: { maxRunning: 20, maxQueued: 10000 },
      outageBudgetMs: 900_000,
      killGraceMs: 5_000,
      shutdownGraceMs: 30_000,
      heartbeatMs: 5_000,
      metrics: { host: '127.0.0.1', port: 9464 },
      workDir: join(tmpdir(), 'ct-worker'),
      modelCacheDir: join(tmpdir(), 'model-cache'),
      projectCacheDir: join(tmpdir(), 'project-cache'),
      pipelinePython: resolve('pipeline/.venv/bin/python'),
      uv: null,
      pythonPool: true,
      dataRoot: resolve('data'),
      projectsRoot: resolve('projects'),
      irisUrl: null,
      codeVersion: null,
      sourceDatabaseUrl: null,
      sourceStatementTimeoutMs: 300_000,
      threadEnv: {},
    });
  });

  it.each([
    ['WORKER_LOCK_DURATION_MS', '60000', 'lockDurationMs', 60_000],
    ['WORKER_KILL_GRACE_MS', '250', 'killGraceMs', 250],
    ['WORKER_SHUTDOWN_GRACE_MS', '0', 'shutdownGraceMs', 0],
    ['WORKER_WORK_DIR', '/var/tmp/ct-jobs', 'workDir', '/var/tmp/ct-jobs'],
    ['WORKER_WORK_DIR', 'jobs', 'workDir', resolve('jobs')],
    ['WORKER_WORK_DIR', '/var/tmp/ct-jobs', 'modelCacheDir', '/var/tmp/model-cache'],
    ['WORKER_MODEL_CACHE_DIR', '/var/cache/ct-models', 'modelCacheDir', '/var/cache/ct-models'],
    ['WORKER_MODEL_CACHE_DIR', 'models', 'modelCacheDir', resolve('models')],
    ['WORKER_WORK_DIR', '/var/tmp/ct-jobs', 'projectCacheDir', '/var/tmp/project-cache'],
    ['WORKER_PROJECT_CACHE_DIR', '/var/cache/ct-projects', 'projectCacheDir', '/var/cache/ct-projects'],
    ['CT_PIPELINE_PYTHON', '/opt/ct/venv/bin/python', 'pipelinePython', '/opt/ct/venv/bin/python'],
    ['CT_UV', '/usr/local/bin/uv', 'uv', '/usr/local/bin/uv'],
    ['WORKER_PYTHON_POOL', '0', 'pythonPool', false],
    ['WORKER_PYTHON_POOL', '1', 'pythonPool', true],
    ['CT_DATA_ROOT', '/srv/datasets', 'dataRoot', '/srv/datasets'],
    ['CT_DATA_ROOT', '.ct/data/datasets', 'dataRoot', resolve('.ct/data/datasets')],
    ['CT_PROJECTS_ROOT', '/srv/projects', 'projectsRoot', '/srv/projects'],
    ['CT_IRIS_URL', 'iris://reader:s3cret@iris:1972/USER', 'irisUrl', 'iris://reader:s3cret@iris:1972/USER'],
    ['CT_CODE_VERSION', '5b7aaa4', 'codeVersion', '5b7aaa4'],
    ['CT_SOURCE_DATABASE_URL', 'postgres://reader@db/src', 'sourceDatabaseUrl', 'postgres://reader@db/src'],
    ['CT_SOURCE_STATEMENT_TIMEOUT_MS', '200', 'sourceStatementTimeoutMs', 200],
  ] as const)('reads the worker variable %s=%s', (variable, value, key, expected) => {
    expect(loadConfig(workerEnvSchema, { [variable]: value })[key]).toEqual(expected);
  });

  it('passes only the thread settings of numeric libraries on to pipeline processes', () => {
    const sut = loadConfig(workerEnvSchema, {
      OMP_NUM_THREADS: '2',
      OPENBLAS_NUM_THREADS: '1',
      OPENBLAS_CORETYPE: 'Haswell',
      AWS_SECRET_ACCESS_KEY: 'hunter2',
      PATH: '/usr/bin',
    });
    expect(sut.threadEnv).toEqual({
      OMP_NUM_THREADS: '2',
      OPENBLAS_NUM_THREADS: '1',
      OPENBLAS_CORETYPE: 'Haswell',
    });
  });

  it.each([
    ['WORKER_LOCK_DURATION_MS', '1000', 'must be a whole number from 5000 to 600000'],
    ['WORKER_KILL_GRACE_MS', 'soon', 'must be a whole number from 100 to 600000'],
    [
      'CT_IRIS_URL',
      'http://iris:52773',
      'must be a URL starting with iris:// (for example iris://reader:secret@iris:1972/USER)',
    ],
    ['WORKER_SHUTDOWN_GRACE_MS', '-5', 'must be a whole number from 0 to 3600000'],
    ['CT_CODE_VERSION', 'a b', 'must be 1-100 characters of letters, digits, ., _ and -'],
    ['CT_SOURCE_STATEMENT_TIMEOUT_MS', '0', 'must be a whole number from 100 to 86400000'],
  ])('rejects the worker variable %s=%s', (variable, value, message) => {
    const sut = configErrorOf(() => loadConfig(workerEnvSchema, { [variable]: value }));
    expect(sut.issues).toEqual([{ variable, message }]);
  });

  it('lists every problem at once, one line each', () => {
    const sut = configErrorOf(() =>
      loadConfig(apiEnvSchema, { REDIS_URL: 'x', API_PORT: 'y', MLFLOW_TRACKING_URI: 'z' }),
    );
    expect(sut.issues.map((issue) => issue.variable).sort()).toEqual([
      'API_PORT',
      'MLFLOW_TRACKING_URI',
      'REDIS_URL',
    ]);
    expect(sut.message.split('\n')).toHaveLength(4);
    expect(sut.message).toMatch(/^Invalid configuration \(3 problems\):/);
  });

  it('requires every connection variable in production', () => {
    const sut = configErrorOf(() =>
      loadConfig(apiEnvSchema, { CT_ENV: 'production', REDIS_URL: 'redis://r:6379' }),
    );
    expect(sut.issues).toEqual([
      { variable: 'DATABASE_URL', message: 'is required when CT_ENV=production' },
      { variable: 'MLFLOW_TRACKING_URI', message: 'is required when CT_ENV=production' },
    ]);
  });

  it('accepts a complete production environment', () => {
    const sut = loadConfig(workerEnvSchema, {
      CT_ENV: 'production',
      REDIS_URL: 'redis://r:6379',
      DATABASE_URL: 'postgres://u:p@db/ct',
      MLFLOW_TRACKING_URI: 'http://mlflow:5000',
      WORKER_CONCURRENCY: '4',
    });
    expect(sut).toMatchObject({ env: 'production', concurrency: 4, redisUrl: 'redis://r:6379' });
  });

  it('never echoes a value, so secrets in URLs stay out of logs', () => {
    const sut = configErrorOf(() => loadConfig(apiEnvSchema, { DATABASE_URL: 'mysql://user:hunter2@db/ct' }));
    expect(sut.message).not.toContain('hunter2');
  });
});

describe('loadConfig: jobs API variables', () => {
  const production = {
    CT_ENV: 'production',
    REDIS_URL: 'redis://r:6379',
    DATABASE_URL: 'postgres://u:p@db/ct',
    MLFLOW_TRACKING_URI: 'http://mlflow:5000',
  };

  it('reads the body limit, reconcile interval, log cap and BullMQ prefix', () => {
    const sut = loadConfig(apiEnvSchema, {
      API_BODY_LIMIT_BYTES: '1048576',
      RECONCILE_INTERVAL_MS: '5000',
      TEAM_MAX_RUNNING_JOBS: '1',
      TEAM_MAX_QUEUED_JOBS: '0',
      JOB_LOG_MAX_BYTES: '65536',
      BULLMQ_PREFIX: '{ct-test}',
    });
    expect(sut).toMatchObject({
      http: { bodyLimitBytes: 1_048_576 },
      reconcileIntervalMs: 5000,
      teamQuota: { maxRunning: 1, maxQueued: 0 },
      jobLogMaxBytes: 65_536,
      bullmqPrefix: '{ct-test}',
    });
  });

  it('gives the worker the same log cap and BullMQ prefix', () => {
    expect(loadConfig(workerEnvSchema, { JOB_LOG_MAX_BYTES: '2048', BULLMQ_PREFIX: 'ct2' })).toMatchObject({
      jobLogMaxBytes: 2048,
      bullmqPrefix: 'ct2',
    });
    expect(loadConfig(workerEnvSchema, {})).toMatchObject({ jobLogMaxBytes: 5_242_880, bullmqPrefix: 'ct' });
  });

  it('sets up the bootstrap admin key of the default team, or of CT_BOOTSTRAP_TEAM', () => {
    expect(loadConfig(apiEnvSchema, { CT_BOOTSTRAP_ADMIN_KEY: 'dev-key' }).bootstrapAdmin).toEqual({
      key: 'dev-key',
      team: 'admin',
    });
    const sut = loadConfig(apiEnvSchema, {
      CT_BOOTSTRAP_ADMIN_KEY: 'dev-key',
      CT_BOOTSTRAP_TEAM: 'platform',
    });
    expect(sut.bootstrapAdmin).toEqual({ key: 'dev-key', team: 'platform' });
  });

  it('accepts a long bootstrap key in production, and none at all', () => {
    const key = 'k'.repeat(32);
    expect(loadConfig(apiEnvSchema, { ...production, CT_BOOTSTRAP_ADMIN_KEY: key }).bootstrapAdmin?.key).toBe(
      key,
    );
    expect(loadConfig(apiEnvSchema, production).bootstrapAdmin).toBeNull();
  });

  it('rejects a short bootstrap key in production, together with any other problem', () => {
    const sut = configErrorOf(() =>
      loadConfig(apiEnvSchema, { ...production, CT_BOOTSTRAP_ADMIN_KEY: 'short', API_PORT: 'x' }),
    );
    expect(sut.issues).toEqual([
      { variable: 'API_PORT', message: 'must be a whole number from 1 to 65535' },
      {
        variable: 'CT_BOOTSTRAP_ADMIN_KEY',
        message: 'must be at least 32 characters when CT_ENV=production',
      },
    ]);
  });

  it.each([
    ['API_BODY_LIMIT_BYTES', '100', 'must be a whole number from 1024 to 10485760'],
    ['API_BODY_LIMIT_BYTES', '256kb', 'must be a whole number from 1024 to 10485760'],
    ['RECONCILE_INTERVAL_MS', '10', 'must be a whole number from 1000 to 3600000'],
    ['RECONCILE_INTERVAL_MS', '-5000', 'must be a whole number from 1000 to 3600000'],
    ['TEAM_MAX_RUNNING_JOBS', '0', 'must be a whole number from 1 to 100000'],
    ['TEAM_MAX_QUEUED_JOBS', '-1', 'must be a whole number from 0 to 10000000'],
    ['PIPELINE_SCHEDULE_RESYNC_MS', '10', 'must be a whole number from 1000 to 86400000'],
    ['JOB_LOG_MAX_BYTES', '0', 'must be a whole number from 1024 to 1073741824'],
    ['JOB_LOG_MAX_BYTES', '5MiB', 'must be a whole number from 1024 to 1073741824'],
    ['BULLMQ_PREFIX', 'ct prefix', 'must be 1-50 characters of letters, digits'],
    ['BULLMQ_PREFIX', 'x'.repeat(51), 'must be 1-50 characters of letters, digits'],
    ['CT_BOOTSTRAP_ADMIN_KEY', 'has a space', 'must be printable ASCII without spaces'],
    ['CT_BOOTSTRAP_TEAM', 'Admins!', 'must be 1-63 characters of a-z, 0-9'],
  ])('rejects %s=%s', (variable, value, message) => {
    const sut = configErrorOf(() => loadConfig(apiEnvSchema, { [variable]: value }));
    expect(sut.issues).toEqual([{ variable, message: expect.stringContaining(message) }]);
  });

  it('rejects a bad log cap for the worker too', () => {
    const sut = configErrorOf(() => loadConfig(workerEnvSchema, { JOB_LOG_MAX_BYTES: '1' }));
    expect(sut.issues.map((issue) => issue.variable)).toEqual(['JOB_LOG_MAX_BYTES']);
  });
});

describe('loadConfig: audit variables', () => {
  const production = {
    CT_ENV: 'production',
    REDIS_URL: 'redis://r:6379',
    DATABASE_URL: 'postgres://u:p@db/ct',
    MLFLOW_TRACKING_URI: 'http://mlflow:5000',
  };

  it.each([apiEnvSchema, workerEnvSchema])(
    'connects to IRIS as the development user when a host is set',
    (schema) => {
      const sut = loadConfig(schema, { IRIS_AUDIT_HOST: 'iris', AUDIT_FILE: '/var/log/ct/audit.jsonl' });
      expect(sut.audit).toEqual({
        ...AUDIT_DEFAULTS,
        file: '/var/log/ct/audit.jsonl',
        spoolDir: join(dirname('/var/log/ct/audit.jsonl'), 'spool'),
        iris: { host: 'iris', port: 1972, namespace: 'USER', user: '_SYSTEM', password: 'SYS' },
      });
    },
  );

  it('reads every audit variable', () => {
    const sut = loadConfig(workerEnvSchema, {
      AUDIT_FILE: 'logs/audit.jsonl',
      AUDIT_SPOOL_DIR: '/var/spool/ct',
      AUDIT_PREFIX: '0',
      IRIS_AUDIT_HOST: '10.0.0.5',
      IRIS_AUDIT_PORT: '51773',
      IRIS_AUDIT_NAMESPACE: '%SYS',
      IRIS_AUDIT_USER: 'ct_audit',
      IRIS_AUDIT_PASSWORD: 'hunter2',
      AUDIT_BUFFER_MAX: '500',
      AUDIT_BATCH_SIZE: '20',
      AUDIT_RETRY_BASE_MS: '50',
      AUDIT_RETRY_MAX_MS: '5000',
    });
    expect(sut.audit).toEqual({
      file: resolve('logs/audit.jsonl'),
      spoolDir: '/var/spool/ct',
      prefix: '0',
      iris: { host: '10.0.0.5', port: 51_773, namespace: '%SYS', user: 'ct_audit', password: 'hunter2' },
      bufferMax: 500,
      batchSize: 20,
      retryBaseMs: 50,
      retryMaxMs: 5000,
    });
  });

  it.each([apiEnvSchema, workerEnvSchema])(
    'requires the IRIS credentials in production when IRIS is set',
    (schema) => {
      const sut = configErrorOf(() => loadConfig(schema, { ...production, IRIS_AUDIT_HOST: 'iris' }));
      expect(sut.issues).toEqual([
        {
          variable: 'IRIS_AUDIT_USER',
          message: 'is required when CT_ENV=production and IRIS_AUDIT_HOST is set',
        },
        {
          variable: 'IRIS_AUDIT_PASSWORD',
          message: 'is required when CT_ENV=production and IRIS_AUDIT_HOST is set',
        },
      ]);
    },
  );

  it('needs no IRIS credentials in production with the file transport', () => {
    expect(loadConfig(apiEnvSchema, production).audit.iris).toBeNull();
  });

  it.each([
    ['IRIS_AUDIT_PORT', '0', 'must be a whole number from 1 to 65535'],
    ['IRIS_AUDIT_NAMESPACE', 'US ER', 'must be an IRIS namespace name'],
    ['IRIS_AUDIT_HOST', 'iris/x', 'must be a host name or address'],
    ['AUDIT_PREFIX', 'c t', 'must be 1-50 characters of letters, digits'],
    ['AUDIT_BATCH_SIZE', '0', 'must be a whole number from 1 to 10000'],
    ['AUDIT_BUFFER_MAX', '10', 'must be a whole number from 100 to 1000000'],
  ])('rejects %s=%s', (variable, value, message) => {
    const sut = configErrorOf(() => loadConfig(workerEnvSchema, { [variable]: value }));
    expect(sut.issues).toEqual([{ variable, message: expect.stringContaining(message) }]);
  });
});

describe('enabledLogLevels', () => {
  it.each([
    ['fatal', ['fatal']],
    ['warn', ['fatal', 'error', 'warn']],
    ['verbose', ['fatal', 'error', 'warn', 'log', 'debug', 'verbose']],
  ] as const)('%s enables %j', (level, expected) => {
    expect(enabledLogLevels(level)).toEqual(expected);
  });
});
