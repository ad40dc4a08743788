import {
  CLEANABLE_QUEUE_STATES,
  type CleanableQueueState,
  type QueueSummary,
  type WorkerInfo,
} from '@ct/shared';
import { UsageError } from '../cli-config.js';
import { age, formatTable } from '../output/table.js';
import { type Command, EXIT, print } from './command.js';
import { requestCommand } from './request-command.js';

export const queuesCommand = requestCommand({
  usage: 'queues',
  summary: 'each queue: jobs by state, paused, live workers, outcomes of the last 5 minutes',
  request: ({ client }) => client.listQueues(),
  text: (queues) => formatTable(queues.items, QUEUE_COLUMNS, 'no queues'),
});

export const workersCommand = requestCommand({
  usage: 'workers',
  summary: 'the live workers: host, pid, busy slots, running jobs, version, last heartbeat',
  request: ({ client }) => client.listWorkers(),
  text: (workers) => formatTable(workers.items, WORKER_COLUMNS, 'no live worker'),
});

/** `ct queue pause|resume|retry-failed|clean <queue>`: the admin actions on a queue. */
export const queueCommand: Command = {
  usage: 'queue <pause|resume|retry-failed|clean> <queue> [--min-age <seconds>] [--state completed|failed]',
  summary: 'admin: pause or resume a queue, retry its failed jobs, or clean its old finished records',
  async run(context) {
    const [action, name = ''] = context.args;
    const params = { name };
    switch (action) {
      case 'pause':
      case 'resume': {
        const result =
          action === 'pause'
            ? await context.client.pauseQueue({ params })
            : await context.client.resumeQueue({ params });
        print(context, result, () => `queue ${result.name} ${result.paused ? 'paused' : 'running'}`);
        return EXIT.ok;
      }
      case 'retry-failed': {
        const result = await context.client.retryFailedJobs({ params, body: {} });
        print(context, result, () =>
          [
            `${result.retried.length} job(s) queued again`,
            ...result.skipped.map((s) => `  skipped ${s.id}: ${s.message}`),
          ].join('\n'),
        );
        return EXIT.ok;
      }
      case 'clean': {
        const result = await context.client.cleanQueue({ params, body: cleanBody(context.flags) });
        print(
          context,
          result,
          () => `removed ${result.removed.completed} completed and ${result.removed.failed} failed record(s)`,
        );
        return EXIT.ok;
      }
      default:
        throw new UsageError('ct queue takes one of: pause, resume, retry-failed, clean');
    }
  },
};

function cleanBody(flags: { 'min-age'?: string; state?: string }) {
  const minAgeSeconds = Number(flags['min-age'] ?? 3600);
  if (!Number.isInteger(minAgeSeconds) || minAgeSeconds < 0)
    throw new UsageError('--min-age must be a whole number of seconds');
  if (flags.state !== undefined && !CLEANABLE_QUEUE_STATES.includes(flags.state as CleanableQueueState))
    throw new UsageError(`--state must be one of ${CLEANABLE_QUEUE_STATES.join(', ')}`);
  const states = flags.state === undefined ? undefined : [flags.state as CleanableQueueState];
  return { minAgeSeconds, ...(states ? { states } : {}) };
}

const QUEUE_COLUMNS = [
  { heading: 'queue', cell: (q: QueueSummary) => q.name },
  { heading: 'paused', cell: (q: QueueSummary) => (q.paused ? 'yes' : 'no') },
  { heading: 'waiting', cell: (q: QueueSummary) => q.counts.waiting + q.counts.prioritized },
  { heading: 'delayed', cell: (q: QueueSummary) => q.counts.delayed },
  { heading: 'active', cell: (q: QueueSummary) => q.counts.active },
  { heading: 'failed', cell: (q: QueueSummary) => q.counts.failed },
  { heading: 'workers', cell: (q: QueueSummary) => q.liveWorkers },
  {
    heading: 'done/failed 5m',
    cell: (q: QueueSummary) => `${q.finished.last5Minutes.completed}/${q.finished.last5Minutes.failed}`,
  },
  {
    heading: 'oldest wait',
    cell: (q: QueueSummary) =>
      q.oldestWaitingAgeSeconds === null ? null : `${Math.round(q.oldestWaitingAgeSeconds)}s`,
  },
];

const WORKER_COLUMNS = [
  { heading: 'worker', cell: (w: WorkerInfo) => w.id },
  { heading: 'host', cell: (w: WorkerInfo) => w.host },
  { heading: 'pid', cell: (w: WorkerInfo) => w.pid },
  { heading: 'busy', cell: (w: WorkerInfo) => `${w.busySlots}/${w.concurrency}` },
  { heading: 'jobs', cell: (w: WorkerInfo) => w.runningJobIds.join(',') },
  { heading: 'version', cell: (w: WorkerInfo) => w.version },
  { heading: 'heartbeat', cell: (w: WorkerInfo) => `${age(w.lastHeartbeatAt)} ago` },
];
