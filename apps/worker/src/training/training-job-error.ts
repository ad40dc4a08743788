/**
 * A training job did not complete; `next` says what BullMQ should do: try it again after `delayMs` (an
 * infrastructure failure: Postgres counts the attempt), queue it again without using one (a shutdown, a lost
 * lock, an outage, a busy model), fail it for good, or nothing at all (the attempt was lost to another
 * worker, or BullMQ's lock on it is gone: whatever this worker tells BullMQ would be refused).
 */
export class TrainingJobError extends Error {
  constructor(
    message: string,
    readonly next: 'retry' | 'requeue' | 'fail' | 'abandon',
    readonly delayMs = 0,
  ) {
    super(message);
    this.name = 'TrainingJobError';
  }
}
