import {
  apiEnvSchema,
  ConfigError,
  enabledLogLevels,
  LOCAL_DEFAULTS,
  loadConfig,
  workerEnvSchema,
} from '../index.js';

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
      http: { host: '127.0.0.1', port: 3000 },
      healthCheckTimeoutMs: 2000,
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
    expect(sut.http).toEqual({ host: '0.0.0.0', port: 8080 });
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

describe('enabledLogLevels', () => {
  it.each([
    ['fatal', ['fatal']],
    ['warn', ['fatal', 'error', 'warn']],
    ['verbose', ['fatal', 'error', 'warn', 'log', 'debug', 'verbose']],
  ] as const)('%s enables %j', (level, expected) => {
    expect(enabledLogLevels(level)).toEqual(expected);
  });
});
