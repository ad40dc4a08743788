import type { ProjectEntryPoint, ProjectEnvironment } from '@ct/db';
import type { ProjectFile } from '@ct/shared/project-archive';
import { parse } from 'yaml';

/** What an uploaded project's files say about it: its MLflow entry points and its environment. */
interface ProjectManifest {
  entryPoints: ProjectEntryPoint[];
  environment: ProjectEnvironment;
}

/** A problem with the project's `MLproject` file, naming what is wrong. */
export class ManifestError extends Error {}

const ENVIRONMENT_FILES: readonly [ProjectEnvironment['kind'], string][] = [
  ['python_env', 'python_env.yaml'],
  ['conda', 'conda.yaml'],
  ['requirements', 'requirements.txt'],
];

/**
 * Reads the project's top-level `MLproject` (MLflow's format: `entry_points` with `command` and typed
 * `parameters`, and `python_env`, `conda_env` or `docker_env`) when there is one; a project without one (a
 * custom training function) has no entry points. The environment is the one `MLproject` names, else the
 * first of `python_env.yaml`, `conda.yaml`, `requirements.txt` at the top, else none.
 */
export function readManifest(files: readonly ProjectFile[]): ProjectManifest {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const mlproject = byPath.get('MLproject') ?? byPath.get('MLProject');
  const declared = mlproject ? parseMlproject(mlproject.data.toString('utf8')) : undefined;
  const found = ENVIRONMENT_FILES.find(([, file]) => byPath.has(file));
  const environment = declared?.environment ?? {
    kind: found?.[0] ?? 'none',
    file: found?.[1] ?? null,
  };
  if (environment.file !== null && !byPath.has(environment.file))
    throw new ManifestError(`MLproject names ${environment.file}, which is not in the project`);
  return { entryPoints: declared?.entryPoints ?? [], environment };
}

function parseMlproject(text: string): {
  entryPoints: ProjectEntryPoint[];
  environment?: ProjectEnvironment;
} {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new ManifestError(`MLproject is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(doc)) throw new ManifestError('MLproject must be a YAML mapping');
  const points = doc.entry_points ?? {};
  if (!isRecord(points)) throw new ManifestError('MLproject: entry_points must be a mapping of names');
  const entryPoints = Object.entries(points).map(([name, point]) => entryPointOf(name, point));
  return { entryPoints, environment: environmentOf(doc) };
}

function entryPointOf(name: string, point: unknown): ProjectEntryPoint {
  if (!isRecord(point) || typeof point.command !== 'string')
    throw new ManifestError(`MLproject: entry point ${name} needs a command`);
  const parameters: ProjectEntryPoint['parameters'] = {};
  for (const [key, value] of Object.entries(isRecord(point.parameters) ? point.parameters : {})) {
    // MLflow allows `name: type` or `name: {type, default}`.
    if (typeof value === 'string') parameters[key] = { type: value, default: null };
    else if (isRecord(value))
      parameters[key] = {
        type: typeof value.type === 'string' ? value.type : 'string',
        default:
          typeof value.default === 'number' || typeof value.default === 'string' ? value.default : null,
      };
    else
      throw new ManifestError(
        `MLproject: parameter ${key} of entry point ${name} must be a type or a mapping`,
      );
  }
  return { name, command: point.command, parameters };
}

function environmentOf(doc: Record<string, unknown>): ProjectEnvironment | undefined {
  if (typeof doc.python_env === 'string') return { kind: 'python_env', file: doc.python_env };
  if (typeof doc.conda_env === 'string') return { kind: 'conda', file: doc.conda_env };
  if (doc.docker_env !== undefined) return { kind: 'docker', file: null };
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
