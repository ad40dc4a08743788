import { isFinished, type JobEvent, type JobState, PIPELINE_STEPS, type PipelineStep } from '@ct/shared';
import { progressBar } from '../output/progress-bar.js';

/** What `ct watch` shows of a job, built up from its events. */
export interface WatchView {
  state: JobState;
  step: PipelineStep | null;
  /** Progress within the current step, 0..1. */
  stepFraction: number;
  stepsDone: number;
  failureReason: string | null;
  message: string | null;
  metrics: Record<string, number>;
}

export function initialView(state: JobState = 'queued'): WatchView {
  return {
    state,
    step: null,
    stepFraction: 0,
    stepsDone: 0,
    failureReason: null,
    message: null,
    metrics: {},
  };
}

/** The view after one event. A new attempt (queued again) starts the steps over. */
export function applyEvent(view: WatchView, event: JobEvent): WatchView {
  switch (event.type) {
    case 'state':
      return event.state === 'queued'
        ? { ...initialView('queued'), metrics: view.metrics, message: event.message }
        : { ...view, state: event.state, failureReason: event.failureReason, message: event.message };
    case 'step.started':
      return { ...view, step: event.step, stepFraction: 0, stepsDone: PIPELINE_STEPS.indexOf(event.step) };
    case 'step.finished':
      return {
        ...view,
        step: event.step,
        stepFraction: 1,
        stepsDone: PIPELINE_STEPS.indexOf(event.step) + (event.status === 'ok' ? 1 : 0),
      };
    case 'progress':
      return { ...view, step: event.step, stepFraction: event.fraction };
    case 'metric':
      return { ...view, metrics: { ...view.metrics, [event.key]: event.value } };
    case 'log':
      return view;
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
}

/** The share of the whole pipeline done: finished steps plus the current step's own progress. */
export function overallFraction(view: WatchView): number {
  if (view.state === 'succeeded') return 1;
  const current = view.stepsDone < PIPELINE_STEPS.length && view.stepFraction < 1 ? view.stepFraction : 0;
  return Math.min(1, (view.stepsDone + current) / PIPELINE_STEPS.length);
}

/** One status line: `running  training (4/7)  [#####-----]  52%`. */
export function statusLine(view: WatchView): string {
  const step =
    view.step === null
      ? ''
      : `  ${view.step} (${PIPELINE_STEPS.indexOf(view.step) + 1}/${PIPELINE_STEPS.length})`;
  const end =
    isFinished(view.state) && view.failureReason ? `  ${view.failureReason}: ${view.message ?? ''}` : '';
  return `${view.state.padEnd(9)}${step}  ${progressBar(overallFraction(view))}${end}`.trimEnd();
}

/** A line for the event when the output is not a terminal (or a log line in any case); null when silent. */
export function eventLine(event: JobEvent): string | null {
  switch (event.type) {
    case 'state':
      return `state ${event.state}${event.failureReason ? ` (${event.failureReason}: ${event.message ?? ''})` : ''}`;
    case 'step.started':
      return `step ${event.step} started`;
    case 'step.finished':
      return `step ${event.step} ${event.status} in ${(event.durationMs / 1000).toFixed(1)}s${event.reason ? `: ${event.reason}` : ''}`;
    case 'metric':
      return `metric ${event.key} = ${event.value}`;
    case 'log':
      return `[${event.level}] ${event.message}`;
    case 'progress':
      return null;
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
}
