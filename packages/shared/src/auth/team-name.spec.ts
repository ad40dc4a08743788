import { pipelineNameSchema } from '../jobs/training-spec.js';
import { registeredModelName } from '../models/model-registry.dto.js';
import { createApiKeySchema, teamNameSchema } from './api-key.dto.js';

describe('team and pipeline names', () => {
  it.each([
    ['acme', true],
    ['data-science_2', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['acme.ml', false],
    ['.acme', false],
    ['Acme', false],
    ['-acme', false],
    ['', false],
  ])('team %j is valid: %s', (name, valid) => {
    expect(teamNameSchema.safeParse(name).success).toBe(valid);
  });

  it.each([
    ['churn', true],
    ['diabetes-ridge_v2', true],
    ['a'.repeat(100), true],
    ['a'.repeat(101), false],
    ['ml.churn', false],
    ['churn.', false],
  ])('pipeline %j is valid: %s', (name, valid) => {
    expect(pipelineNameSchema.safeParse(name).success).toBe(valid);
  });

  it('says why a "." is refused, naming the registered model', () => {
    const sut = createApiKeySchema.safeParse({ team: 'acme.ml', role: 'viewer', name: 'k' });
    expect(sut.error?.issues).toEqual([
      expect.objectContaining({ path: ['team'], message: expect.stringContaining('no ".": it separates') }),
    ]);
    expect(pipelineNameSchema.safeParse('ml.churn').error?.issues[0]?.message).toContain('<team>.<pipeline>');
  });

  it('gives every valid (team, pipeline) pair its own registered model: the name splits one way only', () => {
    // The pair of the report: acme + ml.churn and acme.ml + churn both made acme.ml.churn.
    const pairs = [
      ['acme', 'ml.churn'],
      ['acme.ml', 'churn'],
      ['acme', 'churn'],
      ['acme-ml', 'churn'],
      ['acme', 'ml-churn'],
    ] as const;
    const valid = pairs.filter(
      ([team, pipeline]) =>
        teamNameSchema.safeParse(team).success && pipelineNameSchema.safeParse(pipeline).success,
    );
    expect(valid).toEqual([
      ['acme', 'churn'],
      ['acme-ml', 'churn'],
      ['acme', 'ml-churn'],
    ]);
    for (const [team, pipeline] of valid)
      expect(registeredModelName(team, pipeline).split('.')).toEqual([team, pipeline]);
  });
});
