import { isFinished } from '@ct/shared';
import { followLogs } from '../watch/log-follower.js';
import { jsonDisplay, textDisplay } from '../watch/watch-display.js';
import { applyEvent, initialView } from '../watch/watch-view.js';
import { type Command, type CommandContext, EXIT } from './command.js';

export const watchCommand: Command = {
  usage: 'watch <job-id>',
  summary: 'follow a job to its end: steps, progress, output; exit 0 only if it succeeded',
  run: (context) => watchJob(context, context.args[0] ?? ''),
};

/**
 * Follows the job's event stream (replayed from the start, then live, ending with the job) and its
 * captured output, then prints the outcome. The exit code says whether the job succeeded.
 */
export async function watchJob(context: CommandContext, id: string): Promise<number> {
  const { client, io } = context;
  const display = context.flags.json ? jsonDisplay(io) : textDisplay(io);
  let view = initialView((await client.getJob({ params: { id } })).state);
  // Ctrl-C stops the watch, not the job: the stream and the output follower end the ordinary way, so the
  // last output lines are printed and the exit code is ours, not a signal's.
  const interrupt = new AbortController();
  const stopListening = io.onInterrupt(() => interrupt.abort());
  const output = followLogs(client, id, (line) => display.output(line));
  try {
    for await (const { data: event } of client.jobEvents({ params: { id } }, { signal: interrupt.signal })) {
      view = applyEvent(view, event);
      display.event(event, view);
    }
  } finally {
    // From here a Ctrl-C ends the process at once, should the API stop answering.
    stopListening();
    await output.stop();
  }
  const job = await client.getJob({ params: { id } });
  if (!isFinished(job.state)) {
    display.abandon();
    if (interrupt.signal.aborted) {
      io.err(`stopped watching job ${id} (${job.state}); ct watch ${id} follows it again`);
      return EXIT.interrupted;
    }
    io.err(`the event stream of job ${id} ended while the job is ${job.state}; run ct watch ${id} again`);
    return EXIT.apiError;
  }
  display.end(job);
  return job.state === 'succeeded' ? EXIT.ok : EXIT.jobNotSucceeded;
}
