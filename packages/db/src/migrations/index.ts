import type { MigrationInterface } from 'typeorm';
import { InitialSchema1764288000000 } from './1764288000000-initial-schema.js';
import { ModelRegistry1764892800000 } from './1764892800000-model-registry.js';
import { RegisteredModelNames1765000000000 } from './1765000000000-registered-model-names.js';
import { JobLifecycle1765100000000 } from './1765100000000-job-lifecycle.js';
import { RegisteredPipelines1765200000000 } from './1765200000000-registered-pipelines.js';
import { LiveMonitoring1765300000000 } from './1765300000000-live-monitoring.js';
import { TeamLoadFunction1765400000000 } from './1765400000000-team-load-function.js';
import { JobsCreatedIndex1765500000000 } from './1765500000000-jobs-created-index.js';
import { TeamLoadDeltas1765600000000 } from './1765600000000-team-load-deltas.js';
import { ProjectVersions1765700000000 } from './1765700000000-project-versions.js';
import { DropJobsTeamActiveIndex1765800000000 } from './1765800000000-drop-jobs-team-active-index.js';

/** Every migration, oldest first. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  InitialSchema1764288000000,
  ModelRegistry1764892800000,
  RegisteredModelNames1765000000000,
  JobLifecycle1765100000000,
  RegisteredPipelines1765200000000,
  LiveMonitoring1765300000000,
  TeamLoadFunction1765400000000,
  JobsCreatedIndex1765500000000,
  TeamLoadDeltas1765600000000,
  ProjectVersions1765700000000,
  DropJobsTeamActiveIndex1765800000000,
];
