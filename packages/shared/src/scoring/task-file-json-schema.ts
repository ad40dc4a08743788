import { z } from 'zod';
import { dataSourceSchema, trainingSpecSchema } from '../jobs/training-spec.js';
import { monitorTaskFileSchema, scoreTaskFileSchema } from './task-file.dto.js';

/** Where the exported schemas live, relative to packages/shared/scripts: inside the Python package. */
export const SCORE_TASK_SCHEMA_PATH = '../../../pipeline/src/ct_pipeline/schema/score-task.schema.json';
export const MONITOR_TASK_SCHEMA_PATH = '../../../pipeline/src/ct_pipeline/schema/monitor-task.schema.json';

// Sections that have a JSON Schema of their own are only required to be objects here: the Python side
// validates them against the training spec's schema (with its semantic checks), which names the field better
// than a copy of the spec's schema inside every task schema would.
const LOOSE_SECTIONS = new Map<z.ZodType, string>([
  [
    trainingSpecSchema,
    "The pipeline version's training spec: an object here, validated against training-spec.schema.json by the reader.",
  ],
  [
    dataSourceSchema,
    "A data section like the spec's: an object here, validated as the spec's data section (training-spec.schema.json) by the reader.",
  ],
]);

/** A task file's schema as JSON Schema (draft 2020-12), describing what the reader accepts (defaults optional). */
function taskFileJsonSchema(schema: z.ZodType, name: string, title: string): Record<string, unknown> {
  return {
    ...z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
      override: ({ zodSchema, jsonSchema }) => {
        const description = LOOSE_SECTIONS.get(zodSchema as unknown as z.ZodType);
        if (description === undefined) return;
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
        Object.assign(jsonSchema, { type: 'object', description });
      },
    }),
    $id: `https://ct.local/schemas/${name}.schema.json`,
    title,
  };
}

/** The score task file (`task.json` of a score job) as JSON Schema. */
export function scoreTaskJsonSchema(): Record<string, unknown> {
  return taskFileJsonSchema(scoreTaskFileSchema, 'score-task', 'ct score task file');
}

/** The monitor task file (`task.json` of a monitor job) as JSON Schema. */
export function monitorTaskJsonSchema(): Record<string, unknown> {
  return taskFileJsonSchema(monitorTaskFileSchema, 'monitor-task', 'ct monitor task file');
}
