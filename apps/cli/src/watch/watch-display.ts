import type { Job, JobEvent } from '@ct/shared';
import type { CliIo } from '../output/io.js';
import { eventLine, statusLine, type WatchView } from './watch-view.js';

/** How `ct watch` shows a job: events and captured output as they come, then a summary. */
export interface WatchDisplay {
  event(event: JobEvent, view: WatchView): void;
  /** A line of the job's captured output (the pipeline's stdout and stderr). */
  output(line: string): void;
  end(job: Job): void;
  /** The watch ends before the job does: clears the status line for the message that follows. */
  abandon(): void;
}

const CLEAR_LINE = '\r\x1b[2K';

/** `--json`: one JSON object a line (events, then output lines, then the final job). */
export function jsonDisplay(io: CliIo): WatchDisplay {
  return {
    event: (event) => io.out(JSON.stringify({ kind: 'event', ...event })),
    output: (line) => io.out(JSON.stringify({ kind: 'output', line })),
    end: (job) => io.out(JSON.stringify({ kind: 'job', job })),
    abandon: () => undefined,
  };
}

/**
 * Lines for people. On a terminal the last line is a status line with a progress bar, redrawn in place,
 * and everything else is printed above it; elsewhere (a pipe, CI) each event is one line.
 */
export function textDisplay(io: CliIo): WatchDisplay {
  let status = '';
  const above = (line: string) => {
    if (io.interactive && status) io.write(CLEAR_LINE);
    io.out(line);
    if (io.interactive && status) io.write(status);
  };
  return {
    event(event, view) {
      const line = eventLine(event);
      if (line !== null) above(line);
      if (!io.interactive) return;
      status = statusLine(view);
      io.write(`${CLEAR_LINE}${status}`);
    },
    output: (line) => above(`  | ${line}`),
    end(job) {
      if (io.interactive && status) io.write(`${CLEAR_LINE}`);
      status = '';
      for (const line of summary(job)) io.out(line);
    },
    abandon() {
      if (io.interactive && status) io.write(`${CLEAR_LINE}`);
      status = '';
    },
  };
}

/** The end of a watch: the outcome, the metrics, and what became of the model. */
export function summary(job: Job): string[] {
  const took =
    job.startedAt && job.finishedAt
      ? ` in ${((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000).toFixed(1)}s`
      : '';
  const failure = job.failureReason ? ` (${job.failureReason}: ${job.failureMessage ?? ''})` : '';
  const lines = [`job ${job.id} ${job.state}${took}${failure}`];
  const metrics = Object.entries(job.metrics);
  if (metrics.length > 0)
    lines.push(
      `  metrics: ${metrics.map(([key, value]) => `${key}=${Number(value.toPrecision(6))}`).join(', ')}`,
    );
  if (job.mlflowRunId) lines.push(`  MLflow run ${job.mlflowRunId}`);
  if (job.registeredModel && job.modelVersion) {
    const decision = job.decision
      ? `: ${job.decision.outcome}${job.decision.alias ? ` (alias ${job.decision.alias})` : ''}, ${job.decision.reason}`
      : '';
    lines.push(`  model ${job.registeredModel} version ${job.modelVersion}${decision}`);
  }
  return lines;
}
