import type { JobWaitReason, RunEndStatus } from '@ct/db';
import {
  type FailureReason,
  failedResultSchema,
  failureForExitCode,
  isRetryable,
  type JobKind,
  PIPELINE_SUCCESS_EXIT_CODE,
} from '@ct/shared';
import { describeError } from '../errors/infrastructure-error.js';
import type { PipelineExit } from '../process/pipeline-launcher.js';
import { parseSucceeded, type Success } from './result-payload.js';

export type { Success };

/**
 * Why the worker stopped a run: a user's cancel; its own shutdown or the loss of its BullMQ lock (the job
 * is then queued again without using up an attempt), or of its Postgres lease (Postgres did not answer: the
 * same, if the attempt is still its own when Postgres is back); or the loss of the attempt itself (taken
 * over or ended elsewhere), after which this worker may write nothing for it.
 */
export type StopCause = 'user' | 'shutdown' | 'lock_lost' | 'lease_expired' | 'attempt_lost';

/** What happened to one attempt: the pipeline ran (or could not start), or the worker's own work failed. */
export type AttemptResult =
  | {
      kind: 'exited';
      exit: PipelineExit;
      stopCause: StopCause | null;
      /** The payload of the pipeline's `result` event, if it sent one. */
      result: Record<string, unknown> | null;
      stderrTail: string;
    }
  /** MLflow, Postgres, Redis or the disk failed around the run: always an infrastructure failure. */
  | { kind: 'error'; error: unknown };

export interface Outcome {
  state: 'succeeded' | 'failed' | 'cancelled' | 'queued';
  attempt: 'succeeded' | 'failed' | 'cancelled' | 'retrying';
  failureReason: FailureReason | null;
  message: string | null;
  runStatus: RunEndStatus;
  /**
   * What BullMQ should see: a completed job, a failure to retry (using up an attempt), a failure never to
   * retry, a job to queue again without using up an attempt (the worker's own shutdown stopped it), or an
   * attempt this worker lost: it writes nothing more for it (the job is someone else's now).
   */
  then: 'complete' | 'retry' | 'fail' | 'requeue' | 'abandon';
  success: Success | null;
  /** Set when an outage or a busy model holds the job back: why, and since when (the budget's start). */
  hold?: { waitReason: JobWaitReason; waitingSince: Date };
  /** For `retry` and `requeue`: how long BullMQ waits before the next try. */
  delayMs?: number;
}

const MAX_MESSAGE_CHARS = 2_000;
const REQUEUED: Record<'shutdown' | 'lock_lost' | 'lease_expired', string> = {
  shutdown: 'the worker shut down while the job ran',
  lock_lost: 'the worker lost its queue lock (Redis was unreachable for longer than the lock)',
  lease_expired: "Postgres did not answer for longer than the attempt's lease",
};

/**
 * The decision table: how an attempt's result becomes the job's state, MLflow status and BullMQ's verdict.
 * `kind` says which result a success must report (a training, score or monitor run's).
 */
export function decideOutcome(result: AttemptResult, canRetry: boolean, kind: JobKind = 'train'): Outcome {
  if (result.kind === 'error')
    return failure('infrastructure', describeError(result.error), canRetry, 'FAILED');
  const { exit } = result;
  if (exit.spawnError)
    return failure(
      'infrastructure',
      `the pipeline did not start: ${exit.spawnError.message}`,
      canRetry,
      'FAILED',
    );
  // The warm pool's server died with the run, so nobody saw it end: like a lost worker, no fault of the job's.
  if (exit.lostError && !exit.cancelled && !exit.timedOut)
    return failure(
      'infrastructure',
      `the pipeline process was lost: ${exit.lostError.message}`,
      canRetry,
      'FAILED',
    );
  const success =
    exit.exitCode === PIPELINE_SUCCESS_EXIT_CODE ? parseSucceeded(kind, result.result) : undefined;
  if (success?.success)
    return { ...base('succeeded', 'succeeded', null, null, 'FINISHED', 'complete'), success: success.data };
  // A deployment that restarts workers, or a lost lock, is no fault of the job's: it runs again, even
  // after its last attempt.
  const cause = result.stopCause;
  if (exit.cancelled && (cause === 'shutdown' || cause === 'lock_lost' || cause === 'lease_expired'))
    return base('queued', 'retrying', 'infrastructure', REQUEUED[cause], 'KILLED', 'requeue');
  if (exit.cancelled && result.stopCause === 'attempt_lost')
    return base('queued', 'failed', 'infrastructure', 'the attempt was lost', 'KILLED', 'abandon');
  if (exit.cancelled)
    return base('cancelled', 'cancelled', 'cancelled', 'cancelled on request', 'KILLED', 'complete');
  if (exit.timedOut) return failure('timeout', 'stopped at its time limit', false, 'KILLED');
  if (exit.exitCode === PIPELINE_SUCCESS_EXIT_CODE) {
    const issue = success?.error?.issues[0];
    const why = issue ? ` (${issue.path.join('.') || 'result'}: ${issue.message})` : '';
    return failure(
      'training_error',
      `the pipeline exited with code 0 without a valid succeeded result${why}`,
      false,
      'FAILED',
    );
  }
  if (exit.exitCode !== null) {
    // The exit code says why (it survives a crash); a failed result, when there is one, says what.
    const reported = failedResultSchema.safeParse(result.result);
    const message = reported.success
      ? reported.data.message
      : withTail(`the pipeline exited with code ${exit.exitCode}`, result.stderrTail);
    return failure(failureForExitCode(exit.exitCode), message, canRetry, 'FAILED');
  }
  return failure(
    'training_error',
    withTail(`the pipeline was killed by ${exit.signal}`, result.stderrTail),
    false,
    'FAILED',
  );
}

/** The job cannot run as asked (no such model, rows it cannot store): it fails for good, without a retry. */
export function refused(reason: 'invalid_input' | 'data_error', message: string): Outcome {
  return failure(reason, message, false, 'FAILED');
}

/** The outcome of an attempt held back by an outage: queued again without using it up. */
export function heldBack(
  message: string,
  hold: NonNullable<Outcome['hold']>,
  runStatus: RunEndStatus,
  delayMs: number,
): Outcome {
  return { ...base('queued', 'retrying', 'infrastructure', message, runStatus, 'requeue'), hold, delayMs };
}

function failure(
  reason: FailureReason,
  message: string,
  canRetry: boolean,
  runStatus: RunEndStatus,
): Outcome {
  const retry = isRetryable(reason) && canRetry;
  return retry
    ? base('queued', 'retrying', reason, message, runStatus, 'retry')
    : base('failed', 'failed', reason, message, runStatus, 'fail');
}

function base(
  state: Outcome['state'],
  attempt: Outcome['attempt'],
  failureReason: FailureReason | null,
  message: string | null,
  runStatus: RunEndStatus,
  then: Outcome['then'],
): Outcome {
  const capped =
    message !== null && message.length > MAX_MESSAGE_CHARS
      ? `${message.slice(0, MAX_MESSAGE_CHARS)}…`
      : message;
  return { state, attempt, failureReason, message: capped, runStatus, then, success: null };
}

/** The last non-empty line of stderr, which for a Python crash names the exception. */
function withTail(message: string, stderrTail: string): string {
  const last = stderrTail.trimEnd().split('\n').at(-1)?.trim();
  return last ? `${message}: ${last}` : message;
}
