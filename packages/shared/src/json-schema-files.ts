import { TRAINING_SPEC_SCHEMA_PATH, trainingSpecJsonSchema } from './jobs/training-spec-json-schema.js';
import {
  PIPELINE_CONSTANTS_PATH,
  PIPELINE_EVENT_SCHEMA_PATH,
  PIPELINE_RESULT_SCHEMA_PATH,
  pipelineConstants,
  pipelineEventJsonSchema,
  pipelineResultJsonSchema,
} from './pipeline/pipeline-contract-files.js';
import {
  MONITOR_TASK_SCHEMA_PATH,
  monitorTaskJsonSchema,
  SCORE_TASK_SCHEMA_PATH,
  scoreTaskJsonSchema,
} from './scoring/task-file-json-schema.js';

/**
 * Every contract the Python package reads, as JSON Schema (and the constants of the event protocol, as
 * plain JSON): where it is written (relative to packages/shared/scripts) and how it is made.
 * `pnpm --filter @ct/shared export-schema` writes them all; a test fails while a committed file is stale.
 */
export const JSON_SCHEMA_FILES: readonly { path: string; schema: () => Record<string, unknown> }[] = [
  { path: TRAINING_SPEC_SCHEMA_PATH, schema: trainingSpecJsonSchema },
  { path: SCORE_TASK_SCHEMA_PATH, schema: scoreTaskJsonSchema },
  { path: MONITOR_TASK_SCHEMA_PATH, schema: monitorTaskJsonSchema },
  { path: PIPELINE_EVENT_SCHEMA_PATH, schema: pipelineEventJsonSchema },
  { path: PIPELINE_RESULT_SCHEMA_PATH, schema: pipelineResultJsonSchema },
  { path: PIPELINE_CONSTANTS_PATH, schema: pipelineConstants },
];
