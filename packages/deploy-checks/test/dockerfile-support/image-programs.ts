import { posix } from 'node:path';
import { baseImageOf, stageChain } from './dockerfile-checks.js';
import type { Dockerfile, Stage } from './dockerfile-parser.js';

/**
 * Where a program of an image's final stage comes from, so that each claim can be checked against the
 * Dockerfile: the external image the final stage starts from (by repository), a Debian package that the final
 * stage or a stage it builds on installs, or the `bin` folder of a directory copied from a build stage and
 * put on PATH.
 */
export type ProgramSource = { base: string } | { apt: string } | { copiedBin: string };

const NODE_SLIM = { base: 'node' } as const;
const PYTHON_SLIM = { base: 'python' } as const;
const IRIS = { base: 'containers.intersystems.com/intersystems/iris-community' } as const;

/**
 * Programs our images have for health checks and `docker compose exec`, by Dockerfile. Base image contents:
 * node:*-bookworm-slim has node, npm and npx in /usr/local/bin and Debian's sh and grep, no curl or wget;
 * python:*-slim-bookworm has python, python3 and pip, sh and grep, no curl; the IRIS image has `iris` on PATH
 * (Ubuntu base, with sh and grep).
 */
export const PROGRAM_SOURCES: Readonly<Record<string, Readonly<Record<string, ProgramSource>>>> = {
  'docker/api.Dockerfile': { node: NODE_SLIM, npm: NODE_SLIM, sh: NODE_SLIM, grep: NODE_SLIM },
  'docker/worker.Dockerfile': {
    node: NODE_SLIM,
    npm: NODE_SLIM,
    sh: NODE_SLIM,
    grep: NODE_SLIM,
    tini: { apt: 'tini' },
    'python3.11': { apt: 'python3.11' },
    // The pipeline's environment, first on PATH: its python, and the pipeline's own command line.
    python: { copiedBin: '/app/pipeline/.venv' },
    python3: { copiedBin: '/app/pipeline/.venv' },
    'ct-pipeline': { copiedBin: '/app/pipeline/.venv' },
  },
  'docker/mlflow.Dockerfile': {
    python: PYTHON_SLIM,
    python3: PYTHON_SLIM,
    sh: PYTHON_SLIM,
    grep: PYTHON_SLIM,
    mlflow: { copiedBin: '/opt/mlflow' },
  },
  'docker/iris/Dockerfile': { iris: IRIS, sh: IRIS, grep: IRIS },
};

/** The programs each of our images has, by Dockerfile path: what a compose health check may run. */
export const DOCKERFILE_PROGRAMS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(PROGRAM_SOURCES).map(([dockerfile, programs]) => [dockerfile, Object.keys(programs)]),
);

/** The repository part of an image reference (registry and path, no tag or digest). */
export function repositoryOf(image: string): string {
  const name = image.split('@')[0] as string;
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  return colon === -1 ? name : name.slice(0, colon);
}

/** The claims of `programs` that the Dockerfile does not back, as messages. */
export function unbackedPrograms(dockerfile: Dockerfile, programs: Record<string, ProgramSource>): string[] {
  const final = dockerfile.stages.at(-1) as Stage;
  const instructions = stageChain(dockerfile, final).flatMap((stage) => stage.instructions);
  const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  const paths = instructions
    .filter((i) => i.keyword === 'ENV')
    .flatMap((i) => [...i.args.matchAll(/\bPATH="?([^"\s]+)"?/g)].map((m) => (m[1] as string).split(':')))
    .flat();
  // Only the final stage's own COPY --from puts things into the image; a parent stage's copies count too.
  const copiedDirs = instructions
    .filter((i) => i.keyword === 'COPY' && i.flags.from !== undefined)
    .map((i) => posix.normalize(i.args.split(/\s+/).at(-1) as string).replace(/\/$/, ''));
  const base = repositoryOf(baseImageOf(dockerfile, final));
  return Object.entries(programs).flatMap(([program, source]) => {
    if ('base' in source)
      return source.base === base
        ? []
        : [`${program}: the final stage starts from ${base}, not ${source.base}`];
    if ('apt' in source)
      return runs.some((run) =>
        new RegExp(`apt-get install[^&;|]*\\s${source.apt.replace(/\./g, '\\.')}(\\s|$)`).test(run),
      )
        ? []
        : [`${program}: no apt-get install of ${source.apt} in the final stage`];
    const bin = `${source.copiedBin}/bin`;
    const problems: string[] = [];
    if (!copiedDirs.includes(source.copiedBin))
      problems.push(`${program}: ${source.copiedBin} is not copied in`);
    if (!paths.includes(bin)) problems.push(`${program}: ${bin} is not on PATH`);
    return problems;
  });
}
