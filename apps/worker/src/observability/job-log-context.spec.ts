import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { runInJobContext, setLoggedAttempt } from './job-log-context.js';
import { createWorkerLogger, nestLoggerOf } from './worker-logger.js';

class Lines implements DestinationStream {
  readonly parsed: Record<string, unknown>[] = [];
  write(chunk: string): void {
    for (const line of chunk.split('\n')) if (line) this.parsed.push(JSON.parse(line));
  }
}

/** A service deep in the call tree, that knows nothing of jobs. */
async function nestedService(step: string): Promise<void> {
  await sleep(5);
  new Logger('NestedService').log(`doing ${step}`);
}

describe('the job log context', () => {
  const lines = new Lines();

  beforeAll(() => {
    Logger.overrideLogger(nestLoggerOf(createWorkerLogger('debug', lines)));
  });

  afterAll(() => {
    Logger.overrideLogger(false);
  });

  it('puts the job id, and the attempt once known, on every line of that job, across awaits and jobs', async () => {
    const job = async (jobId: string, attempt: number) =>
      runInJobContext(jobId, async () => {
        await nestedService(`${jobId} before`);
        setLoggedAttempt(attempt);
        await nestedService(`${jobId} after`);
        // Callbacks of timers and emitters set up inside the job belong to it too.
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            new Logger('Timer').warn(`${jobId} timer`);
            resolve();
          }, 1),
        );
      });
    await Promise.all([job('job-a', 1), job('job-b', 2)]);
    new Logger('Worker').log('between jobs');

    const sut = lines.parsed.map(({ msg, context, jobId, attempt, level }) => ({
      msg,
      context,
      jobId,
      attempt,
      level,
    }));
    expect(sut).toEqual(
      expect.arrayContaining([
        {
          msg: 'doing job-a before',
          context: 'NestedService',
          jobId: 'job-a',
          attempt: undefined,
          level: 'info',
        },
        { msg: 'doing job-a after', context: 'NestedService', jobId: 'job-a', attempt: 1, level: 'info' },
        { msg: 'job-a timer', context: 'Timer', jobId: 'job-a', attempt: 1, level: 'warn' },
        {
          msg: 'doing job-b before',
          context: 'NestedService',
          jobId: 'job-b',
          attempt: undefined,
          level: 'info',
        },
        { msg: 'doing job-b after', context: 'NestedService', jobId: 'job-b', attempt: 2, level: 'info' },
        { msg: 'job-b timer', context: 'Timer', jobId: 'job-b', attempt: 2, level: 'warn' },
        { msg: 'between jobs', context: 'Worker', jobId: undefined, attempt: undefined, level: 'info' },
      ]),
    );
    expect(sut).toHaveLength(7);
  });

  it.each([
    ['log', 'info'],
    ['warn', 'warn'],
    ['error', 'error'],
    ['debug', 'debug'],
    ['fatal', 'fatal'],
  ] as const)('maps Nest’s %s to pino’s %s, with time and context', (method, level) => {
    new Logger('Ctx')[method]('a message');
    expect(lines.parsed.at(-1)).toMatchObject({
      level,
      msg: 'a message',
      context: 'Ctx',
      time: expect.any(String),
    });
  });

  it('keeps the stack Nest passes with an error', () => {
    const error = new Error('boom');
    new Logger('Ctx').error('it failed', error.stack);
    expect(lines.parsed.at(-1)).toMatchObject({ level: 'error', msg: 'it failed', context: 'Ctx' });
    expect(lines.parsed.at(-1)?.stack).toContain('boom');
  });
});
