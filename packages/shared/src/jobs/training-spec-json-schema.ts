import { z } from 'zod';
import { trainingSpecSchema } from './training-spec.js';

/** Where the exported schema lives, relative to packages/shared/scripts: inside the Python package. */
export const TRAINING_SPEC_SCHEMA_PATH = '../../../pipeline/src/ct_pipeline/schema/training-spec.schema.json';

/**
 * The training spec as JSON Schema (draft 2020-12), describing what a client may send (defaults are
 * optional). Cross-field rules (a dataset's task, metrics per task) are not expressible here; the Python
 * side checks them again itself.
 */
export function trainingSpecJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(trainingSpecSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://ct.local/schemas/training-spec.schema.json',
    title: 'ct training spec',
  };
}
