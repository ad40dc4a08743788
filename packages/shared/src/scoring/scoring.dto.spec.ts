import { jobTaskSchema } from './job-task.js';
import { submitScoresSchema } from './scoring.dto.js';

const STORED_SCORE_TASK = {
  kind: 'score',
  model: 'champion',
  source: null,
  since: null,
  until: null,
  rows: null,
  keyColumn: 'id',
};

describe('the IRIS mirror of a score request', () => {
  it.each([
    ['left out', {}, false],
    ['asked for', { mirrorToIris: true }, true],
    ['declined', { mirrorToIris: false }, false],
  ])('%s: mirrorToIris %s', (_case, body, expected) => {
    const sut = submitScoresSchema.parse(body);

    expect(sut.mirrorToIris).toBe(expected);
  });

  it('is a boolean, not a truthy string', () => {
    const sut = submitScoresSchema.safeParse({ mirrorToIris: 'yes' });

    expect(sut.success).toBe(false);
    expect(sut.error?.issues[0]?.path).toEqual(['mirrorToIris']);
  });

  it.each([
    ['a task stored before the option existed', STORED_SCORE_TASK, false],
    ['a task that asks for it', { ...STORED_SCORE_TASK, mirrorToIris: true }, true],
  ])('%s reads as mirrorToIris %s', (_case, stored, expected) => {
    const sut = jobTaskSchema.parse(stored);

    expect(sut).toMatchObject({ kind: 'score', mirrorToIris: expected });
  });
});
