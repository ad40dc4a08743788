import { pipelineFixture, SPEC_INPUT } from '../../test/pipeline-fixtures.js';
import type { CliFlags } from '../cli-flags.js';
import { createPipelineBody, updatePipelineBody, wholeNumber } from './pipeline-flags.js';

const spec = SPEC_INPUT as Parameters<typeof createPipelineBody>[1];

describe('createPipelineBody', () => {
  const sut = (flags: CliFlags) => createPipelineBody(flags, spec);

  it.each<[string, CliFlags, object]>([
    ['the spec alone: the API gives the defaults', {}, { spec }],
    [
      'every flag',
      {
        name: 'churn-daily',
        cron: '0 3 * * *',
        timezone: 'Europe/Paris',
        'min-new-rows': '1000',
        'poll-seconds': '60',
        'cooldown-seconds': '0',
        promotion: 'manual',
        disabled: true,
      },
      {
        spec,
        name: 'churn-daily',
        schedule: { cron: '0 3 * * *', timezone: 'Europe/Paris' },
        triggers: { newData: { minNewRows: 1000, pollSeconds: 60 } },
        cooldownSeconds: 0,
        promotion: { policy: 'manual' },
        enabled: false,
      },
    ],
    [
      'a cron without a time zone (the API reads it in UTC)',
      { cron: '*/5 * * * *' },
      { spec, schedule: { cron: '*/5 * * * *' } },
    ],
    [
      'new data counted on arrivals only',
      { 'min-new-rows': '5' },
      { spec, triggers: { newData: { minNewRows: 5 } } },
    ],
  ])('%s', (_case, flags, expected) => {
    expect(sut(flags)).toEqual(expected);
  });

  it.each<[CliFlags, string]>([
    [{ timezone: 'UTC' }, '--timezone needs --cron'],
    [{ 'poll-seconds': '60' }, '--poll-seconds needs --min-new-rows'],
    [{ 'min-new-rows': '0' }, '--min-new-rows must be a whole number of at least 1'],
    [{ 'cooldown-seconds': '-1' }, '--cooldown-seconds must be a whole number of at least 0'],
    [{ promotion: 'later' }, '--promotion must be one of auto, manual'],
    [{ 'no-schedule': true }, '--no-schedule and --no-new-data are for ct pipelines update'],
  ])('refuses %p: %s', (flags, message) => {
    expect(() => sut(flags)).toThrow(message);
  });
});

describe('updatePipelineBody', () => {
  const current = pipelineFixture();
  const sut = (flags: CliFlags, newSpec?: typeof spec, pipeline = current) =>
    updatePipelineBody(flags, newSpec, pipeline);

  it.each<[string, CliFlags, object]>([
    [
      'a new cron keeps the time zone',
      { cron: '0 4 * * *' },
      { schedule: { cron: '0 4 * * *', timezone: 'Europe/Paris' } },
    ],
    [
      'a new time zone keeps the cron',
      { timezone: 'UTC' },
      { schedule: { cron: '0 3 * * *', timezone: 'UTC' } },
    ],
    ['--no-schedule removes it', { 'no-schedule': true }, { schedule: null }],
    [
      'a new threshold keeps the poll interval',
      { 'min-new-rows': '10' },
      { triggers: { newData: { minNewRows: 10, pollSeconds: 60 } } },
    ],
    [
      'a new poll interval keeps the threshold',
      { 'poll-seconds': '300' },
      { triggers: { newData: { minNewRows: 1000, pollSeconds: 300 } } },
    ],
    ['--no-new-data removes the trigger', { 'no-new-data': true }, { triggers: {} }],
    [
      'cooldown and promotion',
      { 'cooldown-seconds': '30', promotion: 'manual' },
      { cooldownSeconds: 30, promotion: { policy: 'manual' } },
    ],
  ])('%s', (_case, flags, expected) => {
    expect(sut(flags)).toEqual(expected);
  });

  it('a spec file alone', () => {
    expect(sut({}, spec)).toEqual({ spec });
  });

  it('a schedule on a pipeline that has none: --cron with the default time zone', () => {
    const unscheduled = pipelineFixture({ schedule: null, nextRunAt: null });
    expect(sut({ cron: '0 * * * *' }, undefined, unscheduled)).toEqual({ schedule: { cron: '0 * * * *' } });
  });

  const bare = pipelineFixture({ schedule: null, nextRunAt: null, triggers: {}, newData: null });
  it.each<[CliFlags, string]>([
    [{}, 'nothing to change'],
    [{ 'no-schedule': true, cron: '0 * * * *' }, '--no-schedule removes the schedule'],
    [{ 'no-new-data': true, 'min-new-rows': '3' }, '--no-new-data removes the trigger'],
    [{ timezone: 'UTC' }, 'churn has no schedule: --timezone needs --cron'],
    [{ 'poll-seconds': '60' }, 'churn has no new-data trigger: --poll-seconds needs --min-new-rows'],
    [{ 'poll-seconds': 'often' }, '--poll-seconds must be a whole number of at least 1'],
  ])('refuses %p: %s', (flags, message) => {
    expect(() => sut(flags, undefined, bare)).toThrow(message);
  });
});

describe('wholeNumber', () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['0', 0],
    ['42', 42],
  ])('%p is %p', (value, expected) => {
    expect(wholeNumber('--n', value, 0)).toBe(expected);
  });

  it.each(['', ' ', '1.5', '1e99', 'ten', '-3'])('refuses %p', (value) => {
    expect(() => wholeNumber('--n', value, 0)).toThrow('--n must be a whole number of at least 0');
  });
});
