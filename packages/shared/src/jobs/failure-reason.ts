/**
 * Why a job failed. Only `infrastructure` (MLflow, Redis or Postgres unreachable) is retried automatically;
 * every other reason is a property of the job itself and would fail again.
 */
export const FAILURE_REASONS = [
  'invalid_input',
  'data_error',
  'training_error',
  'infrastructure',
  'timeout',
  'cancelled',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export function isRetryable(reason: FailureReason): boolean {
  switch (reason) {
    case 'infrastructure':
      return true;
    case 'invalid_input':
    case 'data_error':
    case 'training_error':
    case 'timeout':
    case 'cancelled':
      return false;
  }
}

/** The exit code of a pipeline run that succeeded. */
export const PIPELINE_SUCCESS_EXIT_CODE = 0;

/**
 * The exit codes of the Python pipeline (`python -m ct_pipeline.train`, `.score`, `.monitor`) for the failures
 * it finds itself, exported to it in `pipeline-constants.json`.
 *
 * The exit code is the one channel of a run's failure reason: it is there even when the run crashed before
 * it could report anything. The failed `result` event says what went wrong and where (`failedResultSchema`),
 * never why. Any other non-zero code (1: an uncaught exception), or death by a signal the worker did not
 * send, counts as a training error.
 */
export const PIPELINE_EXIT_CODES = {
  invalid_input: 2,
  data_error: 3,
  training_error: 4,
  infrastructure: 5,
} as const satisfies Partial<Record<FailureReason, number>>;
/** A failure the pipeline reports itself, with its own exit code. */
export type PipelineFailureReason = keyof typeof PIPELINE_EXIT_CODES;

const REASON_OF_CODE = new Map<number, PipelineFailureReason>(
  Object.entries(PIPELINE_EXIT_CODES).map(([reason, code]) => [code, reason as PipelineFailureReason]),
);

/** The failure reason of a pipeline that exited with `code` (not 0): the one rule of `PIPELINE_EXIT_CODES`. */
export function failureForExitCode(code: number): FailureReason {
  return REASON_OF_CODE.get(code) ?? 'training_error';
}
