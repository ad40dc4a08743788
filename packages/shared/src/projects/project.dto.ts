import { z } from 'zod';
import { projectNameSchema } from '../jobs/training-spec.js';

/** A version's id: the sha256 of its files (`projectHash`), 64 lowercase hex characters. */
export const projectHashSchema = z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be 64 hex characters' });

/** The media type of an uploaded project: a gzip-compressed tar archive of its directory. */
export const PROJECT_ARCHIVE_TYPE = 'application/gzip';
/** The media types an upload may be sent as: the archive's own, or bytes with no more said. */
export const PROJECT_ARCHIVE_TYPES: readonly string[] = [PROJECT_ARCHIVE_TYPE, 'application/octet-stream'];

export const projectEntryPointSchema = z.object({
  name: z.string(),
  command: z.string(),
  parameters: z.record(
    z.string(),
    z.object({ type: z.string(), default: z.union([z.string(), z.number(), z.null()]) }),
  ),
});
export type ProjectEntryPointView = z.infer<typeof projectEntryPointSchema>;

export const projectEnvironmentSchema = z.object({
  kind: z.enum(['python_env', 'conda', 'requirements', 'docker', 'none']),
  file: z.string().nullable(),
});

/** One uploaded version of a team's project. */
export const projectVersionSchema = z.object({
  team: z.string(),
  name: projectNameSchema,
  hash: projectHashSchema,
  /** What a job's spec names to run exactly this version: `<name>@<hash>`. */
  ref: z.string(),
  sizeBytes: z.number().int(),
  unpackedBytes: z.number().int(),
  fileCount: z.number().int(),
  /** The entry points of its `MLproject` file (none without one). */
  entryPoints: z.array(projectEntryPointSchema),
  environment: projectEnvironmentSchema,
  uploadedBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type ProjectVersion = z.infer<typeof projectVersionSchema>;

export const projectListSchema = z.object({
  items: z.array(
    z.object({ name: projectNameSchema, versions: z.number().int(), latest: projectVersionSchema }),
  ),
});
export type ProjectList = z.infer<typeof projectListSchema>;

export const projectSchema = z.object({
  name: projectNameSchema,
  /** Newest first: a spec naming the project without `@<hash>` runs the first. */
  versions: z.array(projectVersionSchema),
});
export type ProjectView = z.infer<typeof projectSchema>;

/** Where a version's archive is in MLflow's proxied artifact store: the API writes it, workers read it. */
export function projectArchivePath(team: string, name: string, hash: string): string {
  return `ct-projects/${team}/${name}/${hash}.tar.gz`;
}
