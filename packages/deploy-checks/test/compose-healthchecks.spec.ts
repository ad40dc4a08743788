import {
  type ComposeService,
  longRunningServices,
  readCompose,
  readRepoFile,
  serviceOf,
} from './support/compose-file.js';
import {
  finalImageOf,
  IMAGE_PROGRAMS,
  imageRepository,
  isPinned,
  programsOf,
} from './support/image-programs.js';

const compose = readCompose();

/** Programs the service's image has: from the table for pulled images, from its Dockerfile when built. */
function imageProgramsOf(service: ComposeService): { image: string; programs: string[] } {
  if (service.image)
    return { image: service.image, programs: IMAGE_PROGRAMS[imageRepository(service.image)]?.programs ?? [] };
  const build = typeof service.build === 'string' ? { context: service.build } : (service.build ?? {});
  const dockerfile = `${build.context ?? '.'}/${build.dockerfile ?? 'Dockerfile'}`.replace(/^\.\//, '');
  const { baseImage, installed } = finalImageOf(dockerfile);
  const fromTable = IMAGE_PROGRAMS[imageRepository(baseImage)]?.programs ?? [];
  // A Debian package such as python3.11 installs a program of that name.
  return { image: baseImage, programs: [...fromTable, ...installed] };
}

describe('compose health checks', () => {
  it.each(longRunningServices(compose))('%s has a health check', (name) => {
    const test = compose.services[name]?.healthcheck?.test;
    expect(test).toBeDefined();
    expect(test?.[0]).not.toBe('NONE');
  });

  it.each(longRunningServices(compose))('%s runs only programs its image has', (name) => {
    const service = compose.services[name] as ComposeService;
    const { image, programs } = imageProgramsOf(service);
    expect({
      image,
      missing: programsOf(service.healthcheck?.test ?? []).filter((p) => !programs.includes(p)),
    }).toEqual({ image, missing: [] });
  });

  it('knows the health-check programs as the table says, not by accident', () => {
    expect(programsOf(['CMD-SHELL', 'redis-cli ping | grep -q PONG'])).toEqual(['redis-cli', 'grep']);
    expect(programsOf(['CMD', 'curl', '-f', 'http://x'])).toEqual(['curl']);
    expect(finalImageOf('docker/worker.Dockerfile').baseImage).toMatch(/^node:/);
  });
});

describe('compose images', () => {
  it.each(Object.keys(compose.services))(
    '%s uses a pinned image or a Dockerfile with pinned bases',
    (name) => {
      const service = compose.services[name] as ComposeService;
      const image = service.image ?? imageProgramsOf(service).image;
      expect({ image, pinned: isPinned(image) }).toEqual({ image, pinned: true });
    },
  );

  it.each([
    ['redis', true],
    ['redis:8.6.3', false],
    ['redis:latest', true],
    ['minio/minio:RELEASE.2025-09-07T16-13-09Z', false],
    ['localhost:5000/ct-api', true],
    ['ct-api@sha256:abc', false],
  ])('%s is unpinned: %s', (image, unpinned) => {
    expect(!isPinned(image)).toBe(unpinned);
  });
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

  it('mounts the Postgres init scripts it names', () => {
    expect(readRepoFile('docker/postgres-init/01-databases.sh')).toMatch(/MLFLOW_DB_NAME/);
  });
});
