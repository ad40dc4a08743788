import { setTimeout as sleep } from 'node:timers/promises';
import type { CtClient } from '@ct/shared';

/**
 * Follows a job's captured output by byte offset, a whole line at a time, until stopped; `stop()` reads
 * once more so that the last lines are not lost, and resolves whether it came during a read or a wait.
 */
export function followLogs(
  client: CtClient,
  jobId: string,
  onLine: (line: string) => void,
  intervalMs = 1000,
): { stop(): Promise<void> } {
  let offset = 0;
  let partial = '';
  // A state, not a wake-up call: a stop that lands while a read is in flight must still be seen by the
  // wait after that read. (A callback that woke only the wait in progress missed it, and the loop then
  // slept on an unref'd timer with nothing else to keep Node alive: `ct watch` exited 13.)
  const stopping = new AbortController();

  const read = async () => {
    const chunk = await client.jobLogs({ params: { id: jobId }, query: { offset } });
    offset = chunk.nextOffset;
    const lines = (partial + chunk.text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      // The output is a convenience beside the events: a failed read is tried again at the next tick.
      await read().catch(() => undefined);
      // Rejects at once if already stopped, or as soon as stopped. The timer is not unref'd: whoever
      // awaits this loop must keep the process alive until it settles.
      await sleep(intervalMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
      await read().catch(() => undefined);
      if (partial) onLine(partial);
      partial = '';
    },
  };
}
