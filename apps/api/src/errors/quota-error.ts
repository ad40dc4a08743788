import type { TeamLoad } from '@ct/db';

/** The team's jobs that count against its quota when one more was refused (the error's details). */
export type QuotaFigures = Pick<TeamLoad, 'running' | 'queued' | 'limit'>;

/**
 * A job was refused because its team is at its quota. Thrown by the submission use case whoever asked (a
 * request, a pipeline's monitoring tick); only the HTTP edge turns it into `rate_limited` (`toApiError`).
 */
export class QuotaExceededError extends Error {
  constructor(
    message: string,
    readonly figures: QuotaFigures,
  ) {
    super(message);
    this.name = 'QuotaExceededError';
  }
}
