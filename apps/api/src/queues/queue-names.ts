import { ApiError } from '../errors/api-error.js';
import { JOB_QUEUES, type JobQueueName } from './job-queues.js';

// The monitoring API serves the queues of jobs; ct-triggers holds only schedule ticks, one per pipeline.
const KNOWN: readonly string[] = JOB_QUEUES;

/** The queue a path names. @throws ApiError not_found for a queue ct does not have. */
export function knownQueue(name: string): JobQueueName {
  if (!KNOWN.includes(name))
    throw new ApiError('not_found', `no queue named ${name}; the queues are ${KNOWN.join(', ')}`);
  return name as JobQueueName;
}
