/** A training job failed; `retry` says whether another attempt may succeed (infrastructure failures only). */
export class TrainingJobError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
    this.name = 'TrainingJobError';
  }
}
