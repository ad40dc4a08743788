import { FAILURE_REASONS, failureForExitCode, isRetryable } from './failure-reason.js';

describe('failure reasons', () => {
  it.each(FAILURE_REASONS)('%s is retried automatically only if it is infrastructure', (reason) => {
    expect(isRetryable(reason)).toBe(reason === 'infrastructure');
  });

  it.each([
    [2, 'invalid_input'],
    [3, 'data_error'],
    [4, 'training_error'],
    [5, 'infrastructure'],
    [1, 'training_error'],
    [137, 'training_error'],
  ] as const)('pipeline exit code %i means %s', (code, reason) => {
    expect(failureForExitCode(code)).toBe(reason);
  });
});
