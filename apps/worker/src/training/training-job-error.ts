/**
 * A training job did not complete; `next` says what BullMQ should do: try again using up an attempt (an
 * infrastructure failure), queue it again without using one (the worker's shutdown stopped it), or fail it.
 */
export class TrainingJobError extends Error {
  constructor(
    message: string,
    readonly next: 'retry' | 'requeue' | 'fail',
  ) {
    super(message);
    this.name = 'TrainingJobError';
  }
}
