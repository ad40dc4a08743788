import type { JobEntity } from '@ct/db';
import type { AuditFields } from '@ct/shared/audit';
import type { Principal } from '../auth/principal.js';

/** The fields every audit event about a job carries: which job, whose, and the key that acted on it. */
export function jobAuditFields(
  job: Pick<JobEntity, 'id' | 'team' | 'pipeline'>,
  principal: Principal,
  extra: AuditFields = {},
): AuditFields {
  return { jobId: job.id, team: job.team, pipeline: job.pipeline, actor: principal.keyId, ...extra };
}
