import { readRepoFile } from './compose-file.js';

/**
 * Programs that the third-party images this repository pins are known to ship, by image repository, with
 * where that is documented. Only what our health checks use is listed; extend it with its source.
 */
export const IMAGE_PROGRAMS: Record<string, { programs: string[]; source: string }> = {
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
  node: {
    programs: ['node', 'npm', 'sh', 'grep'],
    source: 'nodejs/docker-node Dockerfile (Debian slim base)',
  },
  python: {
    programs: ['python', 'python3', 'pip', 'sh', 'grep'],
    source: 'docker-library/python Dockerfile',
  },
  'containers.intersystems.com/intersystems/iris-community': {
    programs: ['iris', 'sh', 'grep'],
    source:
      'InterSystems IRIS container docs: `iris` (start, stop, qlist, session) is on the PATH; Ubuntu base',
  },
};

/** The repository part of an image reference: registry and path, without tag or digest. */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0] as string;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

/** True when the reference names a version: a tag other than `latest`, or a digest. */
export function isPinned(image: string): boolean {
  if (image.includes('@sha256:')) return true;
  const tag = image.slice(imageRepository(image).length + 1);
  return tag !== '' && tag !== 'latest';
}

type Stage = { from: string; name?: string; body: string };

function stagesOf(dockerfile: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of dockerfile.split('\n')) {
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line.trim());
    if (from) stages.push({ from: from[1] as string, name: from[2], body: '' });
    else if (stages.length > 0) (stages.at(-1) as Stage).body += `${line}\n`;
  }
  return stages;
}

/**
 * The final stage of a Dockerfile: the external image it starts from (following `FROM <stage>`), and the
 * Debian packages installed on the way (apt-get install), whose names are the programs they add here.
 */
export function finalImageOf(dockerfilePath: string): { baseImage: string; installed: string[] } {
  const stages = stagesOf(readRepoFile(dockerfilePath));
  const installed: string[] = [];
  let stage = stages.at(-1);
  while (stage) {
    for (const match of stage.body.matchAll(/apt-get install([^&\n]*(?:\\\n[^&\n]*)*)/g))
      installed.push(...(match[1] as string).split(/[\s\\]+/).filter((w) => w !== '' && !w.startsWith('-')));
    const parent = stages.find((s) => s.name === stage?.from);
    if (!parent) return { baseImage: stage.from, installed };
    stage = parent;
  }
  throw new Error(`${dockerfilePath}: no FROM`);
}

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
