import { FAILURE_REASONS, failureForExitCode, PIPELINE_EXIT_CODES } from '../jobs/failure-reason.js';
import {
  pipelineConstants,
  pipelineEventJsonSchema,
  pipelineResultJsonSchema,
} from './pipeline-contract-files.js';
import { pipelineEventSchema } from './pipeline-event.js';
import { PIPELINE_RESULTS } from './pipeline-result.js';

const envelope = { v: 1, ts: '2026-01-31T12:00:00.123Z', seq: 1 };

describe('the pipeline contract', () => {
  it('gives each failure of the pipeline its own exit code, none of them 0 (success) or 1 (a crash)', () => {
    const codes = Object.values(PIPELINE_EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(0);
    expect(codes).not.toContain(1);
    for (const [reason, code] of Object.entries(PIPELINE_EXIT_CODES)) {
      expect(FAILURE_REASONS).toContain(reason);
      expect(failureForExitCode(code)).toBe(reason);
    }
  });

  it.each([
    [
      'a timestamp without milliseconds',
      { ...envelope, ts: '2026-01-31T12:00:00Z', type: 'log', level: 'info', message: 'x' },
    ],
    ['an unknown field', { ...envelope, type: 'log', level: 'info', message: 'x', unit: 'ms' }],
    ['another protocol version', { ...envelope, v: 2, type: 'log', level: 'info', message: 'x' }],
    ['an unknown step', { ...envelope, type: 'step.started', step: 'deploy' }],
  ])('refuses an event with %s', (_, event) => {
    expect(pipelineEventSchema.safeParse(event).success).toBe(false);
  });

  it('says why a run failed by its exit code only: a failed result says what and where', () => {
    const sut = pipelineResultJsonSchema() as { $defs: { failed: { properties: Record<string, unknown> } } };
    expect(Object.keys(sut.$defs.failed.properties)).toEqual(['status', 'message', 'step']);
  });

  it('exports one branch per event type and one definition per result payload, no other field allowed', () => {
    const events = pipelineEventJsonSchema() as { oneOf: { additionalProperties: unknown }[] };
    const results = pipelineResultJsonSchema() as {
      $defs: Record<string, { additionalProperties: unknown }>;
    };
    expect(events.oneOf).toHaveLength(pipelineEventSchema.options.length);
    expect(Object.keys(results.$defs)).toEqual(Object.keys(PIPELINE_RESULTS));
    for (const branch of [...events.oneOf, ...Object.values(results.$defs)])
      expect(branch.additionalProperties).toBe(false);
  });

  it('exports the steps, the exit codes and the aliases, champion first, for the pipeline to load', () => {
    expect(pipelineConstants()).toMatchObject({
      protocol_version: 1,
      success_exit_code: 0,
      failure_exit_codes: PIPELINE_EXIT_CODES,
      model_aliases: ['champion', 'challenger'],
    });
  });
});
