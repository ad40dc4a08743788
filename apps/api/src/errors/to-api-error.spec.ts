import { InvalidCursorError } from '@ct/db';
import { ERROR_CODES, IllegalTransitionError, type TriggerRecord } from '@ct/shared';
import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ApiError } from './api-error.js';
import { DependencyUnavailableError } from './dependency-error.js';
import { httpStatusOf } from './http-status.js';
import { QuotaExceededError } from './quota-error.js';
import { toApiError } from './to-api-error.js';

/** What Nest makes of body-parser's errors (see ExpressAdapter.mapException). */
function bodyParserError(status: number, type: string, extra: object = {}): HttpException {
  const cause = Object.assign(new Error('parser says no'), { type, status, ...extra });
  return new HttpException('parser says no', status, { cause });
}

describe('toApiError', () => {
  it.each([
    ['an ApiError, unchanged', new ApiError('conflict', 'taken'), 'conflict', 409],
    [
      'an illegal transition',
      new IllegalTransitionError('succeeded', 'cancelled'),
      'illegal_transition',
      409,
    ],
    ['a bad cursor', new InvalidCursorError(), 'validation_failed', 400],
    [
      'a dependency outage',
      new DependencyUnavailableError('redis', 'Redis is unreachable'),
      'dependency_unavailable',
      503,
    ],
    ['bad JSON', bodyParserError(400, 'entity.parse.failed'), 'malformed_json', 400],
    [
      'a body over the limit',
      bodyParserError(413, 'entity.too.large', { limit: 1024 }),
      'payload_too_large',
      413,
    ],
    ['an unknown charset', bodyParserError(415, 'charset.unsupported'), 'malformed_json', 400],
    ["Nest's unknown route", new NotFoundException('Cannot GET /x'), 'not_found', 404],
    [
      'a bad percent-encoding',
      new BadRequestException("Failed to decode param '%E0'"),
      'validation_failed',
      400,
    ],
    ['a 429', new HttpException('slow down', 429), 'rate_limited', 429],
    [
      'a quota refusal',
      new QuotaExceededError('team a is at its quota', { running: 1, queued: 2, limit: 3 }),
      'rate_limited',
      429,
    ],
  ])('maps %s', (_case, exception, code, status) => {
    const sut = toApiError(exception);
    expect(sut?.code).toBe(code);
    expect(httpStatusOf(sut?.code ?? 'internal')).toBe(status);
  });

  it('names the limit of a body that is too large', () => {
    expect(toApiError(bodyParserError(413, 'entity.too.large', { limit: 262144 }))?.message).toBe(
      'the body is larger than the limit of 262144 bytes',
    );
  });

  it("keeps a dependency outage's message, and adds no details", () => {
    const sut = toApiError(new DependencyUnavailableError('mlflow', 'MLflow registered-models/get failed'));
    expect([sut?.message, sut?.details]).toEqual(['MLflow registered-models/get failed', undefined]);
  });

  it("keeps a quota refusal's message and figures as the error's details", () => {
    const sut = toApiError(
      new QuotaExceededError('team a is at its quota', { running: 1, queued: 2, limit: 3 }),
    );
    expect([sut?.message, sut?.details]).toEqual([
      'team a is at its quota',
      { running: 1, queued: 2, limit: 3 },
    ]);
  });

  it("keeps a refused pipeline run's trigger record as the error's details", () => {
    const trigger: TriggerRecord = {
      id: '3f2b8c1e-0d4a-4e6f-9a7b-1c2d3e4f5a6b',
      pipelineId: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d',
      kind: 'manual',
      firedAt: '2026-01-01T00:00:00.000Z',
      figures: { teamRunning: 1, teamQueued: 2, teamLimit: 3 },
      outcome: 'suppressed',
      reason: 'quota',
      jobId: null,
      message: 'team a is at its quota',
    };
    const sut = toApiError(new QuotaExceededError(trigger.message, { trigger }));
    expect([sut?.code, sut?.details]).toEqual(['rate_limited', { trigger }]);
  });

  it('names the cursor as the bad field', () => {
    expect(toApiError(new InvalidCursorError())?.details).toEqual([
      { path: 'cursor', message: expect.any(String) },
    ]);
  });

  it.each([
    ['an Error', new Error('connection refused')],
    ['a thrown string', 'boom'],
    ['a 500 HttpException', new HttpException('oops', 500)],
  ])('leaves %s to the generic internal answer (null)', (_case, exception) => {
    expect(toApiError(exception)).toBeNull();
  });
});

describe('httpStatusOf', () => {
  it('gives every code a 4xx or 5xx status', () => {
    for (const code of ERROR_CODES) expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
  });

  it('keeps 5xx for faults of the server and its dependencies', () => {
    const serverSide = ERROR_CODES.filter((code) => httpStatusOf(code) >= 500);
    expect(serverSide.sort()).toEqual(['dependency_unavailable', 'internal']);
  });
});
