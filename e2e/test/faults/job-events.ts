import { canTransition, type JobEvent, type JobState } from '@ct/shared';
import { readEventStream } from '../sse.js';
import type { Stack } from '../stack.js';

/** A stored event with its id, as `GET /v1/jobs/:id/events` sends it. */
export type StoredEvent = JobEvent & { id: number };

/** Every stored event of a finished job (the server ends the stream after the final state event). */
export async function eventsOf(stack: Stack, jobId: string, timeoutMs = 30_000): Promise<StoredEvent[]> {
  const received = await readEventStream(
    `${stack.apiUrl}/v1/jobs/${jobId}/events`,
    stack.adminKey,
    timeoutMs,
  );
  return received.map((event) => ({ ...(event.data as JobEvent), id: Number(event.id) }));
}

/** The state events' states, in id order. */
export function statesOf(events: readonly StoredEvent[]): JobState[] {
  return events.flatMap((event) => (event.type === 'state' ? [event.state] : []));
}

/**
 * What is wrong with a job's event log, one line per problem: ids out of order, an illegal state move, a step
 * event twice in one attempt, an event of an older attempt after a newer attempt's first event.
 */
export function eventLogProblems(events: readonly StoredEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((event, i) => {
    const before = events[i - 1];
    if (before !== undefined && event.id <= before.id) problems.push(`event ${event.id} after ${before.id}`);
  });
  const states = statesOf(events);
  if (states[0] !== 'queued') problems.push(`first state ${states[0] ?? '(none)'}, not queued`);
  states.forEach((state, i) => {
    const from = states[i - 1];
    if (from !== undefined && !canTransition(from, state)) problems.push(`state ${from} → ${state}`);
  });
  const seen = new Set<string>();
  for (const event of events) {
    if (event.type !== 'step.started' && event.type !== 'step.finished') continue;
    const key = `attempt ${event.attempt} ${event.type} ${event.step}`;
    if (seen.has(key)) problems.push(`${key} twice`);
    seen.add(key);
  }
  let newest = 0;
  for (const event of events) {
    if (event.attempt < newest)
      problems.push(
        `event ${event.id} (${event.type}) of attempt ${event.attempt} after attempt ${newest} began`,
      );
    newest = Math.max(newest, event.attempt);
  }
  return problems;
}

/** The steps an attempt reported started and finished ok, in order. */
export function stepsOfAttempt(events: readonly StoredEvent[], attempt: number): string[] {
  return events.flatMap((event) =>
    event.attempt === attempt && (event.type === 'step.started' || event.type === 'step.finished')
      ? [`${event.type === 'step.started' ? 'started' : `finished ${event.status}`} ${event.step}`]
      : [],
  );
}
