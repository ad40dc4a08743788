import { isPinnedImage } from './dockerfile-support/dockerfile-checks.js';
import { DOCKERFILE_PROGRAMS, repositoryOf } from './dockerfile-support/image-programs.js';
import {
  type ComposeService,
  dockerfileOf,
  environmentOf,
  interpolate,
  longRunningServices,
  readCompose,
  readEnvFile,
  readRepoFile,
  serviceOf,
} from './support/compose-file.js';
import { PULLED_IMAGE_PROGRAMS, programsOf } from './support/image-programs.js';

const compose = readCompose();

/** Programs the service's image has: from the pulled images' table, or from the Dockerfile's when built. */
function imageProgramsOf(service: ComposeService): readonly string[] {
  const dockerfile = dockerfileOf(service);
  if (dockerfile !== undefined) return DOCKERFILE_PROGRAMS[dockerfile] ?? [];
  return PULLED_IMAGE_PROGRAMS[repositoryOf(service.image ?? '')]?.programs ?? [];
}

describe('compose health checks', () => {
  it.each(longRunningServices(compose))('%s has a health check', (name) => {
    const test = compose.services[name]?.healthcheck?.test;
    expect(test).toBeDefined();
    expect(test?.[0]).not.toBe('NONE');
  });

  it.each(longRunningServices(compose))('%s runs only programs its image has', (name) => {
    const service = compose.services[name] as ComposeService;
    const programs = imageProgramsOf(service);
    expect(programs.length).toBeGreaterThan(0);
    expect(programsOf(service.healthcheck?.test ?? []).filter((p) => !programs.includes(p))).toEqual([]);
  });

  it('knows the health-check programs as the table says, not by accident', () => {
    expect(programsOf(['CMD-SHELL', 'redis-cli ping | grep -q PONG'])).toEqual(['redis-cli', 'grep']);
    expect(programsOf(['CMD', 'curl', '-f', 'http://x'])).toEqual(['curl']);
    expect(imageProgramsOf(serviceOf(compose, 'worker'))).toContain('ct-pipeline');
  });
});

describe('compose images', () => {
  // The images built from our Dockerfiles are checked, base by base, in dockerfiles.spec.ts.
  it.each(Object.keys(compose.services).filter((name) => compose.services[name]?.image !== undefined))(
    '%s uses an image pinned to a version',
    (name) => {
      const image = serviceOf(compose, name).image as string;
      expect({ image, pinned: isPinnedImage(image) }).toEqual({ image, pinned: true });
    },
  );
});

describe('compose topology', () => {
  const services = compose.services;

  it.each(
    Object.entries(services).flatMap(([name, s]) =>
      Object.entries(s.depends_on ?? {}).map(([dep, d]) => [name, dep, d.condition]),
    ),
  )('%s waits for %s to be ready (%s)', (_name, dependency, condition) => {
    const target = services[dependency as string] as ComposeService;
    expect(condition).toBe(target.restart === 'no' ? 'service_completed_successfully' : 'service_healthy');
  });

  it('lets the worker scale: no container name, no published port', () => {
    expect(serviceOf(compose, 'worker').container_name).toBeUndefined();
    expect(serviceOf(compose, 'worker').ports).toBeUndefined();
  });

  it('runs Redis as BullMQ requires: append-only file on, noeviction', () => {
    const command = [serviceOf(compose, 'redis').command ?? []].flat().join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
  });

  it('keeps every piece of state in a declared named volume, and declares none it does not use', () => {
    const used = Object.values(services).flatMap((s) =>
      (s.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source) as string),
    );
    const named = used.filter((source) => !source.startsWith('.') && !source.startsWith('/'));
    expect(new Set(named)).toEqual(new Set(Object.keys(compose.volumes ?? {})));
  });

  it('signs the apps in to IRIS as the user the iris service keeps, with the same password', () => {
    const iris = environmentOf(serviceOf(compose, 'iris'));
    for (const app of ['api', 'worker']) {
      const env = environmentOf(serviceOf(compose, app));
      for (const name of ['IRIS_AUDIT_USER', 'IRIS_AUDIT_PASSWORD']) expect(iris[name]).toBe(env[name]);
    }
    // iris-main runs the script after every start; the image has it where the command says.
    const command = [serviceOf(compose, 'iris').command ?? []].flat().join(' ');
    const script = /\bsh (\/opt\/ct\/[\w.-]+\.sh)\b/.exec(command)?.[1];
    expect(script).toBe('/opt/ct/audit-user.sh');
    expect(readRepoFile('docker/iris/Dockerfile')).toMatch(
      /^COPY .*docker\/iris\/audit-user\.sh .*\/opt\/ct\/$/m,
    );
    expect(readRepoFile('docker/iris/audit-user.sh')).toMatch(/\$\{IRIS_AUDIT_PASSWORD:-ct_audit\}/);
  });

  it('gives a stopping worker time to queue its jobs again before Docker kills it', () => {
    // Interpolated with .env.example: the shutdown grace, then SIGTERM-to-SIGKILL of the pipelines, must fit.
    const worker = serviceOf(interpolate(compose, readEnvFile('.env.example')), 'worker');
    const env = environmentOf(worker);
    const needMs = Number(env.WORKER_SHUTDOWN_GRACE_MS) + Number(env.WORKER_KILL_GRACE_MS);
    const stopMs = Number(/^(\d+)s$/.exec(String(worker.stop_grace_period))?.[1]) * 1000;
    expect(needMs).toBeGreaterThan(0);
    expect(stopMs).toBeGreaterThan(needMs);
  });

  it('mounts the Postgres init scripts it names', () => {
    expect(readRepoFile('docker/postgres-init/01-databases.sh')).toMatch(/MLFLOW_DB_NAME/);
  });

  it("reads postgres data sources as the init script's SELECT-only reader", () => {
    // pipeline/tests/test_source_reader_role.py runs the script and checks what the reader may do.
    const interpolated = interpolate(compose, readEnvFile('.env.example'));
    const postgres = environmentOf(serviceOf(interpolated, 'postgres'));
    const url = new URL(String(environmentOf(serviceOf(interpolated, 'worker')).CT_SOURCE_DATABASE_URL));
    expect([url.protocol, url.hostname, url.port]).toEqual(['postgres:', 'postgres', '5432']);
    expect(decodeURIComponent(url.username)).toBe(postgres.CT_SOURCE_READER_USER);
    expect(decodeURIComponent(url.password)).toBe(postgres.CT_SOURCE_READER_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.CT_SOURCE_DB_NAME}`);
    const script = readRepoFile('docker/postgres-init/02-source-database.sh');
    for (const name of ['CT_SOURCE_DB_NAME', 'CT_SOURCE_READER_USER', 'CT_SOURCE_READER_PASSWORD'])
      expect(script).toContain(`"$${name}"`);
  });
});
