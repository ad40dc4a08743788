import { isFinished } from '@ct/shared';
import { followLogs } from '../watch/log-follower.js';
import { jsonDisplay, textDisplay } from '../watch/watch-display.js';
import { applyEvent, initialView } from '../watch/watch-view.js';
import { type Command, type CommandContext, EXIT } from './command.js';

export const watchCommand: Command = {
  usage: 'watch <job-id>',
  summary: 'follow a job to its end: steps, progress, output; exit 0 only if it succeeded',
  arity: 1,
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
  const output = followLogs(client, id, (line) => display.output(line));
  try {
    for await (const { data: event } of client.jobEvents({ params: { id } })) {
      view = applyEvent(view, event);
      display.event(event, view);
    }
  } finally {
    await output.stop();
  }
  const job = await client.getJob({ params: { id } });
  if (!isFinished(job.state)) {
    io.err(`the event stream of job ${id} ended while the job is ${job.state}; run ct watch ${id} again`);
    return EXIT.apiError;
  }
  display.end(job);
  return job.state === 'succeeded' ? EXIT.ok : EXIT.jobNotSucceeded;
}
