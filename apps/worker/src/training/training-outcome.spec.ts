import { InfrastructureError } from '../errors/infrastructure-error.js';
import type { PipelineExit } from '../process/pipeline-launcher.js';
import { type AttemptResult, decideOutcome, type Outcome, type StopCause } from './training-outcome.js';

const SUCCEEDED = {
  status: 'succeeded',
  metrics: { rmse: 55.9, r2: 0.41 },
  model_uri: 'models:/m-1',
  run_id: 'r1',
  rows: { train: 353, test: 89 },
};
// The reason is the exit code's: the result says what went wrong and where.
const failedResult = (message: string) => ({
  status: 'failed',
  message,
  step: 'training',
});

function exited(
  exit: Partial<PipelineExit>,
  result: Record<string, unknown> | null = null,
  stopCause: StopCause | null = null,
  stderrTail = '',
): AttemptResult {
  const base: PipelineExit = {
    pid: 4242,
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: false,
    spawnError: null,
    lostError: null,
    warm: false,
    outputTruncated: false,
    durationMs: 1_000,
  };
  return { kind: 'exited', exit: { ...base, ...exit }, result, stopCause, stderrTail };
}

type Row = Pick<Outcome, 'state' | 'attempt' | 'failureReason' | 'runStatus' | 'then'>;
const row = (
  state: Row['state'],
  attempt: Row['attempt'],
  failureReason: Row['failureReason'],
  runStatus: Row['runStatus'],
  then: Row['then'],
): Row => ({ state, attempt, failureReason, runStatus, then });

const SUCCESS = row('succeeded', 'succeeded', null, 'FINISHED', 'complete');
const CANCELLED = row('cancelled', 'cancelled', 'cancelled', 'KILLED', 'complete');
const failed = (reason: Row['failureReason'], runStatus: Row['runStatus'] = 'FAILED') =>
  row('failed', 'failed', reason, runStatus, 'fail');
const retrying = (runStatus: Row['runStatus'] = 'FAILED') =>
  row('queued', 'retrying', 'infrastructure', runStatus, 'retry');
const requeued = row('queued', 'retrying', 'infrastructure', 'KILLED', 'requeue');
const abandoned = row('queued', 'failed', 'infrastructure', 'KILLED', 'abandon');

describe('decideOutcome', () => {
  // [case, attempt result, attempts remain?, expected]
  it.each<[string, AttemptResult, boolean, Row]>([
    ['exit 0 with a succeeded result', exited({ exitCode: 0 }, SUCCEEDED), true, SUCCESS],
    [
      'success that won a race with a cancel',
      exited({ exitCode: 0, cancelled: true }, SUCCEEDED, 'user'),
      true,
      SUCCESS,
    ],
    ['exit 0 without a result', exited({ exitCode: 0 }), true, failed('training_error')],
    [
      'exit 0 with a malformed result',
      exited({ exitCode: 0 }, { status: 'succeeded' }),
      true,
      failed('training_error'),
    ],
    ['a cancel by a user', exited({ signal: 'SIGTERM', cancelled: true }, null, 'user'), true, CANCELLED],
    [
      'a cancel killed with SIGKILL',
      exited({ signal: 'SIGKILL', cancelled: true }, null, 'user'),
      false,
      CANCELLED,
    ],
    [
      'a cancel before the process started',
      exited({ pid: null, cancelled: true }, null, 'user'),
      true,
      CANCELLED,
    ],
    [
      'shutdown, attempts left',
      exited({ signal: 'SIGTERM', cancelled: true }, null, 'shutdown'),
      true,
      requeued,
    ],
    [
      'shutdown, no attempt left',
      exited({ signal: 'SIGTERM', cancelled: true }, null, 'shutdown'),
      false,
      requeued,
    ],
    [
      'BullMQ lock lost, no attempt left',
      exited({ signal: 'SIGTERM', cancelled: true }, null, 'lock_lost'),
      false,
      requeued,
    ],
    [
      'the lease not renewed (Postgres away), no attempt left',
      exited({ signal: 'SIGTERM', cancelled: true }, null, 'lease_expired'),
      false,
      requeued,
    ],
    [
      'the attempt lost to another worker',
      exited({ signal: 'SIGTERM', cancelled: true }, null, 'attempt_lost'),
      true,
      abandoned,
    ],
    ['the time limit', exited({ signal: 'SIGTERM', timedOut: true }), true, failed('timeout', 'KILLED')],
    [
      'the time limit, then SIGKILL',
      exited({ signal: 'SIGKILL', timedOut: true }),
      true,
      failed('timeout', 'KILLED'),
    ],
    ['exit 2', exited({ exitCode: 2 }, failedResult('unknown param')), true, failed('invalid_input')],
    ['exit 3', exited({ exitCode: 3 }, failedResult('too few rows')), true, failed('data_error')],
    ['exit 4', exited({ exitCode: 4 }, failedResult('fit failed')), true, failed('training_error')],
    ['exit 5, attempts left', exited({ exitCode: 5 }, failedResult('MLflow down')), true, retrying()],
    ['exit 5, no attempt left', exited({ exitCode: 5 }), false, failed('infrastructure')],
    ['exit 1 (a crash)', exited({ exitCode: 1 }), true, failed('training_error')],
    ['exit 137', exited({ exitCode: 137 }), true, failed('training_error')],
    ['a signal the worker did not send', exited({ signal: 'SIGKILL' }), true, failed('training_error')],
    [
      'a spawn failure, attempts left',
      exited({ pid: null, spawnError: new Error('ENOENT') }),
      true,
      retrying(),
    ],
    [
      'the warm pool server died with the run, attempts left',
      exited({ signal: 'SIGKILL', lostError: new Error('the warm pool server exited') }),
      true,
      retrying(),
    ],
    [
      'the warm pool server died with the run, no attempt left',
      exited({ signal: 'SIGKILL', lostError: new Error('the warm pool server exited') }),
      false,
      failed('infrastructure'),
    ],
    [
      'the warm pool server died after the run was cancelled',
      exited({ cancelled: true, lostError: new Error('the warm pool server exited') }),
      true,
      CANCELLED,
    ],
    [
      'a spawn failure, no attempt left',
      exited({ pid: null, spawnError: new Error('ENOENT') }),
      false,
      failed('infrastructure'),
    ],
    [
      'MLflow down, attempts left',
      { kind: 'error', error: new InfrastructureError('mlflow', 'refused') },
      true,
      retrying(),
    ],
    [
      'Postgres down, no attempt left',
      { kind: 'error', error: new Error('connection reset') },
      false,
      failed('infrastructure'),
    ],
  ])('%s', (_, result, canRetry, expected) => {
    expect(decideOutcome(result, canRetry)).toMatchObject(expected);
  });

  it('keeps the metrics and model of a success', () => {
    expect(decideOutcome(exited({ exitCode: 0 }, SUCCEEDED), false).success).toEqual({
      metrics: { rmse: 55.9, r2: 0.41 },
      modelUri: 'models:/m-1',
      registeredModel: null,
      modelVersion: null,
      decision: null,
    });
  });

  it('keeps the registered version and the promotion decision of a success', () => {
    const decision = {
      promoted: false,
      policy: 'auto',
      outcome: 'reject',
      reason: 'rmse 60.1 is not better than the champion 55.9',
      primary: { metric: 'rmse', direction: 'minimize', challenger: 60.1, champion: 55.9 },
      champion_version: '1',
      alias: null,
    } as const;
    const result = { ...SUCCEEDED, registered_model: 'team-a.m', model_version: '2', decision };
    expect(decideOutcome(exited({ exitCode: 0 }, result), false).success).toMatchObject({
      registeredModel: 'team-a.m',
      modelVersion: '2',
      decision,
    });
  });

  it('names what is wrong with a malformed decision', () => {
    const result = { ...SUCCEEDED, model_version: '2', decision: { promoted: 'yes' } };
    const sut = decideOutcome(exited({ exitCode: 0 }, result), false);
    expect(sut).toMatchObject({ state: 'failed', failureReason: 'training_error' });
    expect(sut.message).toContain('decision.');
  });

  it.each<[string, AttemptResult, string]>([
    ['the message of a failed result', exited({ exitCode: 3 }, failedResult('too few rows')), 'too few rows'],
    [
      'the last stderr line of a crash',
      exited({ exitCode: 1 }, null, null, 'Traceback\n  ...\nKeyError: x\n'),
      'the pipeline exited with code 1: KeyError: x',
    ],
    ['the signal', exited({ signal: 'SIGSEGV' }), 'the pipeline was killed by SIGSEGV'],
    [
      'the infrastructure error',
      { kind: 'error', error: new InfrastructureError('mlflow', 'HTTP 503') },
      'mlflow: HTTP 503',
    ],
    [
      'why it did not start',
      exited({ spawnError: new Error('spawn python ENOENT') }),
      'the pipeline did not start: spawn python ENOENT',
    ],
  ])('explains the failure with %s', (_, result, message) => {
    expect(decideOutcome(result, true).message).toBe(message);
  });

  it('caps a long message', () => {
    const sut = decideOutcome(exited({ exitCode: 4 }, failedResult('x'.repeat(10_000))), true);
    expect(sut.message?.length).toBeLessThanOrEqual(2_001);
  });
});
