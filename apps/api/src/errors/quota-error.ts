import type { TeamLoad } from '@ct/db';
import type { TriggerRecord } from '@ct/shared';

/** The team's jobs that count against its quota when one more was refused. */
export type QuotaFigures = Pick<TeamLoad, 'running' | 'queued' | 'limit'>;

/**
 * What a refusal shows (the error's details): the team's figures for a job, or for a pipeline run the
 * trigger record that keeps them along with the refusal.
 */
export type QuotaRefusal = QuotaFigures | { trigger: TriggerRecord };

/**
 * A job or pipeline run was refused because its team is at its quota. Thrown by the use case whoever asked
 * (a request, a pipeline's monitoring tick); only the HTTP edge turns it into `rate_limited` (`toApiError`).
 */
export class QuotaExceededError extends Error {
  constructor(
    message: string,
    readonly refusal: QuotaRefusal,
  ) {
    super(message);
    this.name = 'QuotaExceededError';
  }
}
