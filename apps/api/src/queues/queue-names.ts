import { QueueName } from '@ct/shared';
import { ApiError } from '../errors/api-error.js';

// The monitoring API serves the training queue; ct-triggers holds only schedule ticks, one per pipeline.
const KNOWN: readonly string[] = [QueueName.Training];

/** The queue a path names. @throws ApiError not_found for a queue ct does not have. */
export function knownQueue(name: string): QueueName {
  if (!KNOWN.includes(name))
    throw new ApiError('not_found', `no queue named ${name}; the queues are ${KNOWN.join(', ')}`);
  return name as QueueName;
}
