/** The states a job moves through. `queued` again after `running` means a new attempt is scheduled. */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves unless someone retries it. */
export const FINISHED_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['running', 'cancelled', 'failed'],
  // Back to queued: an infrastructure failure or a worker shutdown schedules another attempt.
  running: ['succeeded', 'failed', 'cancelled', 'queued'],
  succeeded: [],
  // A user's retry: a new attempt of the same job.
  failed: ['queued'],
  cancelled: ['queued'],
};

/** Whether a job may move from `from` to `to`. */
export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states a job may move to from `from`. */
export function nextStates(from: JobState): readonly JobState[] {
  return TRANSITIONS[from];
}

export function isFinished(state: JobState): boolean {
  return FINISHED_STATES.includes(state);
}

/** Thrown for a transition the state machine does not allow. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly from: JobState,
    readonly to: JobState,
  ) {
    super(`a job cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** @throws IllegalTransitionError when the move is not allowed. */
export function assertTransition(from: JobState, to: JobState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}
