import type { JobEventBody, PipelineEvent } from '@ct/shared';

const MAX_LOG_MESSAGE_CHARS = 4_000;

/**
 * A pipeline event as the job's stored event. `result` is not one (it decides the outcome instead), nor is a
 * `validation.finding` (the audit trail records it; the job's stream has its `log` warning or failed step).
 */
export function toJobEventBody(event: PipelineEvent): JobEventBody | null {
  switch (event.type) {
    case 'step.started':
      return { type: 'step.started', step: event.step };
    case 'step.finished':
      return {
        type: 'step.finished',
        step: event.step,
        status: event.status,
        durationMs: event.duration_ms,
        reason: event.reason ?? null,
      };
    case 'progress':
      return { type: 'progress', step: event.step, fraction: event.fraction, message: event.message ?? null };
    case 'metric':
      return { type: 'metric', key: event.key, value: event.value };
    case 'log':
      return { type: 'log', level: event.level, message: event.message.slice(0, MAX_LOG_MESSAGE_CHARS) };
    case 'validation.finding':
    case 'result':
      return null;
  }
}
