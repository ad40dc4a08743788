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

/**
 * Exit codes of the Python pipeline (`ct_pipeline.exit_codes`) and the failure each one means.
 * Any other non-zero code, or death by a signal the worker did not send, counts as a training error.
 */
export const PIPELINE_EXIT_CODES: Readonly<Record<number, FailureReason>> = {
  2: 'invalid_input',
  3: 'data_error',
  4: 'training_error',
  5: 'infrastructure',
};

export function failureForExitCode(code: number): FailureReason {
  return PIPELINE_EXIT_CODES[code] ?? 'training_error';
}
