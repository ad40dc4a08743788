import { posix } from 'node:path';
import { type BuildContext, expandSource, isIgnored } from './build-context.js';
import { copyPaths, type Dockerfile, type Instruction, type Stage, stageNamed } from './dockerfile-parser.js';

/** True when an image reference names a version: a digest, or a tag with a digit that is not `latest`. */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[0-9a-f]+$/.test(image)) return true;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon === -1 ? '' : image.slice(colon + 1);
  return tag !== 'latest' && /\d/.test(tag);
}

/** The external images a Dockerfile pulls (FROM and `COPY --from`), with their lines. */
export function externalImages(dockerfile: Dockerfile): { image: string; line: number }[] {
  const images: { image: string; line: number }[] = [];
  for (const stage of dockerfile.stages) {
    if (stage.from !== 'scratch' && !stageNamed(dockerfile, stage.from, stage.index))
      images.push({ image: stage.from, line: (stage.instructions[0] as Instruction).line });
    for (const instruction of stage.instructions) {
      const from = instruction.flags.from;
      if (/^(COPY|ADD)$/.test(instruction.keyword) && from && !stageNamed(dockerfile, from, stage.index))
        images.push({ image: from, line: instruction.line });
    }
  }
  return images;
}

/** `line N: image` for every external image that is not pinned to a version. */
export function unpinnedImages(dockerfile: Dockerfile): string[] {
  return externalImages(dockerfile)
    .filter(({ image }) => !isPinnedImage(image))
    .map(({ image, line }) => `line ${line}: ${image} is not pinned to a version`);
}

/** A stage and the earlier stages it builds on (`FROM <stage>`), the stage itself last. */
export function stageChain(dockerfile: Dockerfile, stage: Stage): Stage[] {
  const parent = stageNamed(dockerfile, stage.from, stage.index);
  return parent ? [...stageChain(dockerfile, parent), stage] : [stage];
}

/** The external image a stage finally starts from. */
export function baseImageOf(dockerfile: Dockerfile, stage: Stage): string {
  return (stageChain(dockerfile, stage)[0] as Stage).from;
}

/** The last USER of the final stage (or of a stage it builds on); null when none sets one. */
export function finalUser(dockerfile: Dockerfile): string | null {
  const instructions = stageChain(dockerfile, dockerfile.stages.at(-1) as Stage).flatMap(
    (s) => s.instructions,
  );
  return instructions.findLast((i) => i.keyword === 'USER')?.args.trim() ?? null;
}

/** A USER value other than root by name or number (a group after `:` does not matter). */
export function isNonRootUser(user: string | null): boolean {
  const name = user?.split(':')[0] ?? '';
  return name !== '' && name !== 'root' && !/^0+$/.test(name);
}

function isRemote(source: string): boolean {
  return /^(https?|git):\/\/|^git@/.test(source);
}

/** Every COPY/ADD source from the context that is missing, escapes the context, or is wholly ignored. */
export function missingCopySources(dockerfile: Dockerfile, context: BuildContext): string[] {
  const problems: string[] = [];
  for (const instruction of dockerfile.stages.flatMap((stage) => stage.instructions)) {
    if (!/^(COPY|ADD)$/.test(instruction.keyword) || instruction.flags.from !== undefined) continue;
    for (const source of copyPaths(instruction).sources) {
      if (instruction.keyword === 'ADD' && isRemote(source)) continue;
      const matches = expandSource(context.dir, source);
      const where = `line ${instruction.line}: ${instruction.keyword} ${source}`;
      if (matches.length === 0) problems.push(`${where} does not exist in the build context`);
      else if (matches.every((path) => isIgnored(context.rules, path)))
        problems.push(`${where} is excluded by ${context.ignoreFile}`);
    }
  }
  return problems;
}

/** Where a COPY puts a context file, as an absolute path in the image; null when it does not copy it. */
function landingOf(
  instruction: Instruction,
  workdir: string,
  context: BuildContext,
  file: string,
): string | null {
  if (isIgnored(context.rules, file)) return null;
  const { sources, destination } = copyPaths(instruction);
  const target = posix.resolve(workdir, destination);
  const intoDirectory = sources.length > 1 || destination.endsWith('/') || destination === '.';
  for (const source of sources)
    for (const match of expandSource(context.dir, source)) {
      if (instruction.flags.parents !== undefined && (match === file || file.startsWith(`${match}/`)))
        return posix.join(target, file);
      if (match === file) return intoDirectory ? posix.join(target, posix.basename(file)) : target;
      if (match === '.') return posix.join(target, file);
      if (file.startsWith(`${match}/`)) return posix.join(target, file.slice(match.length + 1));
    }
  return null;
}

/** True for a RUN that installs the workspace's Node dependencies with pnpm. */
export function runsPnpmInstall(instruction: Instruction): boolean {
  return instruction.keyword === 'RUN' && /\bpnpm\s+(?:[^&|;]*\s)?install\b/.test(instruction.args);
}

/**
 * For every `pnpm install` RUN: the context files (`files`, relative to the context) that no earlier COPY of
 * that stage or the stages it builds on placed at the same relative path under the RUN's WORKDIR.
 */
export function uncopiedFiles(dockerfile: Dockerfile, context: BuildContext, files: string[]): string[] {
  const problems: string[] = [];
  for (const stage of dockerfile.stages) {
    const instructions = stageChain(dockerfile, stage).flatMap((s) => s.instructions.slice(1));
    const landed = new Set<string>();
    let workdir = '/';
    for (const instruction of instructions) {
      if (instruction.keyword === 'WORKDIR') workdir = posix.resolve(workdir, instruction.args.trim());
      if (instruction.keyword === 'COPY' && instruction.flags.from === undefined)
        for (const file of files) {
          const landing = landingOf(instruction, workdir, context, file);
          if (landing) landed.add(`${file}\0${landing}`);
        }
      // A stage's own install only: a stage built on it repeats the chain and would report twice.
      if (runsPnpmInstall(instruction) && stage.instructions.includes(instruction))
        for (const file of files)
          if (!landed.has(`${file}\0${posix.join(workdir, file)}`))
            problems.push(
              `line ${instruction.line}: pnpm install runs without ${file} at ${posix.join(workdir, file)}`,
            );
    }
  }
  return problems;
}
