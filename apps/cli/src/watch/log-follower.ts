import type { CtClient } from '@ct/shared';

/**
 * Follows a job's captured output by byte offset, a whole line at a time, until stopped; `stop()` reads
 * once more so that the last lines are not lost.
 */
export function followLogs(
  client: CtClient,
  jobId: string,
  onLine: (line: string) => void,
  intervalMs = 1000,
): { stop(): Promise<void> } {
  let offset = 0;
  let partial = '';
  let stopped = false;
  let wake: (() => void) | undefined;

  const read = async () => {
    const chunk = await client.jobLogs({ params: { id: jobId }, query: { offset } });
    offset = chunk.nextOffset;
    const lines = (partial + chunk.text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };

  const loop = (async () => {
    while (!stopped) {
      // The output is a convenience beside the events: a failed read is tried again at the next tick.
      await read().catch(() => undefined);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs).unref();
      });
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await read().catch(() => undefined);
      if (partial) onLine(partial);
      partial = '';
    },
  };
}
