// `@ct/shared/project-archive`: packing, unpacking and hashing the user code of a project (.tar.gz), shared
// by the CLI that pushes a project, the api that stores it and the worker that unpacks it. Node-only (files,
// zlib, crypto), with no dependency outside Node.
export * from './projects/project-archive.js';
export {
  type ArchiveLimits,
  DEFAULT_ARCHIVE_LIMITS,
  ProjectArchiveError,
  type ProjectArchiveErrorCode,
  type ProjectFile,
  projectHash,
} from './projects/project-file.js';
