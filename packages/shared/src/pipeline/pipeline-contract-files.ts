import { z } from 'zod';
import { PIPELINE_EXIT_CODES, PIPELINE_SUCCESS_EXIT_CODE } from '../jobs/failure-reason.js';
import { PIPELINE_STEPS } from '../jobs/job-event.dto.js';
import { MODEL_ALIASES } from '../models/model-registry.dto.js';
import { PIPELINE_PROTOCOL_VERSION, pipelineEventSchema } from './pipeline-event.js';
import { PIPELINE_RESULTS } from './pipeline-result.js';

/** Where the exported files live, relative to packages/shared/scripts: inside the Python package. */
const SCHEMA_FOLDER = '../../../pipeline/src/ct_pipeline/schema';
export const PIPELINE_EVENT_SCHEMA_PATH = `${SCHEMA_FOLDER}/pipeline-event.schema.json`;
export const PIPELINE_RESULT_SCHEMA_PATH = `${SCHEMA_FOLDER}/pipeline-result.schema.json`;
export const PIPELINE_CONSTANTS_PATH = `${SCHEMA_FOLDER}/pipeline-constants.json`;

// What the pipeline may write: `output` describes an object's known fields only (no others allowed).
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
  return rest;
}

/** The event protocol as JSON Schema (draft 2020-12): one branch per event type, keyed by `type`. */
export function pipelineEventJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...jsonSchemaOf(pipelineEventSchema),
    $id: 'https://ct.local/schemas/pipeline-event.schema.json',
    title: 'ct pipeline event',
  };
}

/**
 * The payloads of a `result` event as JSON Schema: one definition per payload under `$defs` (`failed`,
 * `train`, `score`, `monitor`), and the document accepts any of them.
 */
export function pipelineResultJsonSchema(): Record<string, unknown> {
  const names = Object.keys(PIPELINE_RESULTS) as (keyof typeof PIPELINE_RESULTS)[];
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://ct.local/schemas/pipeline-result.schema.json',
    title: 'ct pipeline result payload',
    anyOf: names.map((name) => ({ $ref: `#/$defs/${name}` })),
    $defs: Object.fromEntries(names.map((name) => [name, jsonSchemaOf(PIPELINE_RESULTS[name])])),
  };
}

/**
 * The constants of the contract the pipeline reads: the protocol version, the steps, the exit codes and the
 * registry aliases it moves (the champion first, then the challenger: the pipeline reads them in that order).
 */
export function pipelineConstants(): Record<string, unknown> {
  return {
    $comment: 'Generated from packages/shared (src/pipeline): `pnpm --filter @ct/shared export-schema`.',
    protocol_version: PIPELINE_PROTOCOL_VERSION,
    steps: [...PIPELINE_STEPS],
    success_exit_code: PIPELINE_SUCCESS_EXIT_CODE,
    failure_exit_codes: { ...PIPELINE_EXIT_CODES },
    model_aliases: [...MODEL_ALIASES],
  };
}
