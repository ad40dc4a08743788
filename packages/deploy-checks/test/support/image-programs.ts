/**
 * Programs that the third-party images docker-compose.yml pulls are known to ship, by image repository, with
 * where that is documented. Only what our health checks use is listed; extend it with its source. The images
 * we build list theirs, checked against their Dockerfiles, in dockerfile-support/image-programs.ts.
 */
export const PULLED_IMAGE_PROGRAMS: Record<string, { programs: string[]; source: string }> = {
  redis: {
    programs: ['redis-server', 'redis-cli', 'sh', 'grep'],
    source:
      'docker-library/redis Dockerfile (Debian base; installs redis-server and redis-cli in /usr/local/bin)',
  },
  postgres: {
    programs: ['postgres', 'pg_isready', 'psql', 'sh', 'grep'],
    source: 'docker-library/postgres Dockerfile (Debian base; the server package ships pg_isready and psql)',
  },
  'minio/minio': {
    programs: ['minio', 'mc', 'sh'],
    source: 'minio/minio Dockerfile.release: downloads mc next to minio into /opt/bin, which is on PATH',
  },
  'minio/mc': {
    programs: ['mc', 'sh'],
    source: 'minio/mc Dockerfile.release: the mc client on a minimal base',
  },
};

/** The programs a health check runs: the CMD's first word, or each command of a CMD-SHELL pipeline. */
export function programsOf(test: string | string[]): string[] {
  const [kind, ...rest] = typeof test === 'string' ? ['CMD-SHELL', test] : test;
  if (kind === 'CMD') return [rest[0] as string];
  if (kind !== 'CMD-SHELL') throw new Error(`health check test must be CMD or CMD-SHELL, got ${kind}`);
  return rest
    .join(' ')
    .split(/\|\||&&|[|;]/)
    .map((command) => command.trim().split(/\s+/)[0] as string)
    .filter((word) => word !== '');
}
