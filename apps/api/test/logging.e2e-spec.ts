import { freePort } from '@ct/test-support';
import type { DestinationStream } from 'pino';
import { createApiLogger } from '../src/observability/api-logger.js';
import { bearer, startTestApi, submission, type TestApi } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Where the API's pino logger writes in these tests: every line, kept as written. */
class CapturedLines implements DestinationStream {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(...line.split('\n').filter((part) => part !== ''));
  }

  parsed(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

describe('API logs: JSON lines with the request id (real Postgres, Redis unreachable)', () => {
  const output = new CapturedLines();
  let api: TestApi;

  beforeAll(async () => {
    // Redis is down so that submitting logs a line from inside a service: the job is stored, not queued yet.
    const redisUrl = `redis://127.0.0.1:${await freePort()}`;
    api = await startTestApi({ config: { redisUrl }, logger: createApiLogger('debug', output) });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('writes only JSON objects with level, time, msg and the Nest context', () => {
    const lines = output.parsed();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatchObject({
        level: expect.any(String),
        time: expect.any(String),
        msg: expect.any(String),
      });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', context: 'RoutesResolver' }));
  });

  it('puts the caller’s X-Request-Id on every line of the request, service lines included, and echoes it', async () => {
    const key = await api.key('team-logs', 'submitter');
    const from = output.lines.length;
    const [first, second] = await Promise.all(
      ['req-logs-first', 'req-logs-second'].map((id) =>
        api.http().post('/v1/jobs').set(bearer(key)).set('X-Request-Id', id).send(submission()),
      ),
    );
    expect([first?.status, second?.status]).toEqual([201, 201]);
    expect(first?.headers['x-request-id']).toBe('req-logs-first');
    const lines = output.parsed().slice(from);
    for (const [res, id] of [
      [first, 'req-logs-first'],
      [second, 'req-logs-second'],
    ] as const) {
      const jobId = res?.body.id as string;
      // Two requests ran at once: each service line carries its own request's id.
      const serviceLine = lines.find(
        (line) => line.context === 'AcceptedJobs' && String(line.msg).includes(jobId),
      );
      expect(serviceLine).toMatchObject({ level: 'warn', requestId: id });
      expect(lines).toContainEqual(
        expect.objectContaining({
          requestId: id,
          context: 'HTTP',
          method: 'POST',
          route: '/v1/jobs',
          status: 201,
          msg: 'request completed',
        }),
      );
    }
    // Lines of other sources (the Redis client's reconnects) carry no request id; none carries a wrong one.
    const ids = new Set(lines.map((line) => line.requestId).filter((id) => id !== undefined));
    expect([...ids].sort()).toEqual(['req-logs-first', 'req-logs-second']);
    expect(output.lines.join('\n')).not.toContain(key);
  });

  it('makes up a UUID for a request without a sane X-Request-Id', async () => {
    const none = await api.http().get('/health/live').expect(200);
    expect(none.headers['x-request-id']).toMatch(UUID);
    const insane = await api.http().get('/health/live').set('X-Request-Id', 'a b "c"').expect(200);
    expect(insane.headers['x-request-id']).toMatch(UUID);
    const from = output.lines.length;
    const unknown = await api.http().get('/v1/jobs').set(bearer('ct_not_a_key')).expect(401);
    const id = unknown.headers['x-request-id'];
    expect(id).toMatch(UUID);
    expect(output.parsed().slice(from)).toContainEqual(
      expect.objectContaining({ requestId: id, level: 'warn', status: 401, route: '/v1/jobs' }),
    );
    expect(output.lines.join('\n')).not.toContain('ct_not_a_key');
  });
});

describe('API logs in tests', () => {
  it('are off by default (no logger given), and the request id is still echoed', async () => {
    const api = await startTestApi();
    try {
      const res = await api.http().get('/health/live').set('X-Request-Id', 'quiet-1').expect(200);
      expect(res.headers['x-request-id']).toBe('quiet-1');
    } finally {
      await api.close();
    }
  });
});
