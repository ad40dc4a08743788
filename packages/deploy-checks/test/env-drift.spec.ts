import { apiEnvSchema, loadConfig, workerEnvSchema } from '@ct/shared/runtime';
import {
  environmentOf,
  interpolate,
  interpolatedVariables,
  readCompose,
  readEnvFile,
  readRepoFile,
  serviceOf,
} from './support/compose-file.js';

const compose = readCompose();
const envExample = readEnvFile('.env.example');

// The variables each app's configuration schema reads (the zod object inside the schema's transform).
const apps = {
  api: { schema: apiEnvSchema, reads: Object.keys(apiEnvSchema.in.shape) },
  worker: { schema: workerEnvSchema, reads: Object.keys(workerEnvSchema.in.shape) },
} as const;

// Variables an app reads that its compose service deliberately leaves unset, each with the reason. Keep this
// short: a variable missing here and in the compose file cannot be set by a deployment at all.
const DELIBERATELY_UNSET: Record<keyof typeof apps, Record<string, string>> = {
  api: {},
  worker: {},
};

describe.each(Object.keys(apps) as (keyof typeof apps)[])('the %s service environment', (app) => {
  const { schema, reads } = apps[app];
  const environment = environmentOf(serviceOf(compose, app));

  it('sets every variable the configuration schema reads', () => {
    const missing = reads.filter((name) => !(name in environment) && !(name in DELIBERATELY_UNSET[app]));
    expect(missing).toEqual([]);
  });

  it('sets nothing the configuration schema does not read', () => {
    expect(Object.keys(environment).filter((name) => !reads.includes(name))).toEqual([]);
  });

  it('keeps its allow-list to variables the schema really reads and the service really leaves unset', () => {
    for (const name of Object.keys(DELIBERATELY_UNSET[app])) {
      expect(reads).toContain(name);
      expect(environment).not.toHaveProperty(name);
    }
  });

  it('passes the configuration schema once interpolated with .env.example', () => {
    const interpolated = environmentOf(serviceOf(interpolate(compose, envExample), app));
    expect(() => loadConfig(schema, interpolated)).not.toThrow();
  });
});

describe('.env.example', () => {
  const interpolated = interpolatedVariables(compose);
  const readByApps = new Set([...apps.api.reads, ...apps.worker.reads]);

  it('defines every variable docker-compose.yml interpolates', () => {
    expect([...interpolated].filter((name) => !(name in envExample)).sort()).toEqual([]);
  });

  it('defines nothing that neither docker-compose.yml nor an app reads', () => {
    const dead = Object.keys(envExample).filter((name) => !interpolated.has(name) && !readByApps.has(name));
    expect(dead).toEqual([]);
  });

  it('has its real counterpart, .env, ignored by git', () => {
    const ignored = readRepoFile('.gitignore')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toContain('.env');
  });
});
