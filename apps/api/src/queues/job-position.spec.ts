import { explainPosition, type PositionFacts } from './job-position.js';

const waiting: PositionFacts = {
  jobId: '00000000-0000-4000-8000-000000000001',
  state: 'queued',
  queueState: 'prioritized',
  place: { state: 'prioritized', ahead: 2 },
  queuePaused: false,
  liveWorkers: 1,
  slots: 2,
  busySlots: 2,
  waitReason: null,
  waitingSince: null,
};

describe('explainPosition', () => {
  it.each<[string, Partial<PositionFacts>, string]>([
    ['a finished job', { state: 'succeeded', queueState: 'completed', place: null }, 'finished'],
    ['a running job', { state: 'running', queueState: 'active', place: null }, 'running'],
    ['a job a worker just took', { queueState: 'active', place: null }, 'running'],
    ['a job waiting out a retry backoff', { queueState: 'delayed', place: null }, 'delayed_retry'],
    ['a queued job BullMQ does not hold', { queueState: 'missing', place: null }, 'not_in_queue'],
    ['a waiting job in a paused queue', { queuePaused: true, liveWorkers: 0 }, 'queue_paused'],
    ['a waiting job with no worker', { liveWorkers: 0, slots: 0, busySlots: 0 }, 'no_live_worker'],
    ['a waiting job behind others', {}, 'waiting_for_worker_slot'],
    [
      'a job put back during an outage',
      { queueState: 'delayed', place: null, waitReason: 'dependency_unavailable' },
      'dependency_unavailable',
    ],
    ['a job put back for its model', { waitReason: 'waiting_for_model' }, 'waiting_for_model'],
    ['a job put back while its team had its running jobs', { waitReason: 'team_quota' }, 'team_quota'],
    [
      'a job held for its model, in a paused queue',
      { waitReason: 'waiting_for_model', queuePaused: true },
      'waiting_for_model',
    ],
    [
      'a job a worker took again after an outage',
      { queueState: 'active', place: null, waitReason: 'dependency_unavailable' },
      'running',
    ],
    [
      'a job held back but missing from BullMQ',
      { queueState: 'missing', place: null, waitReason: 'dependency_unavailable' },
      'not_in_queue',
    ],
  ])('explains %s', (_case, facts, reason) => {
    const sut = explainPosition({ ...waiting, ...facts });
    expect(sut.reason).toBe(reason);
    expect(sut.message.length).toBeGreaterThan(0);
  });

  it('counts the place from 1, and only for a waiting job', () => {
    expect(explainPosition(waiting)).toMatchObject({ position: 3, waitingAhead: 2 });
    expect(explainPosition({ ...waiting, place: { state: 'waiting', ahead: 0 } }).message).toMatch(
      /next in line/,
    );
    expect(
      explainPosition({ ...waiting, state: 'running', queueState: 'active', place: null }),
    ).toMatchObject({
      position: null,
      waitingAhead: null,
    });
    expect(explainPosition({ ...waiting, queueState: 'missing', place: null }).queueState).toBeNull();
  });

  it('says since when a held-back job waits, and where it stands after', () => {
    const sut = explainPosition({
      ...waiting,
      waitReason: 'dependency_unavailable',
      waitingSince: new Date('2026-01-02T03:04:05.000Z'),
    });
    expect(sut).toMatchObject({ reason: 'dependency_unavailable', position: 3 });
    expect(sut.message).toMatch(/since 2026-01-02T03:04:05.000Z.*2 jobs are ahead of it/);
  });
});
