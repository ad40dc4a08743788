/** The flags that take a value (`--limit 10`). */
const VALUE_FLAGS = [
  'api-url',
  'key',
  'state',
  'pipeline',
  'limit',
  'cursor',
  'reason',
  'expect-champion',
  'min-age',
  'file',
  'name',
  'cron',
  'timezone',
  'min-new-rows',
  'poll-seconds',
  'cooldown-seconds',
  'promotion',
  'rows',
  'source',
  'at',
  'since',
  'until',
  'model',
  'key-column',
  'model-version',
  'window-seconds',
] as const;

/** The flags that are on or off (`--json`). */
const SWITCHES = [
  'json',
  'watch',
  'no-schedule',
  'no-new-data',
  'disabled',
  'mirror-to-iris',
  'labelled',
  'unlabelled',
  'wait',
  'help',
] as const;

/** The flags that have a one-letter form too. */
const SHORT: Readonly<Partial<Record<Flag, string>>> = { file: 'f', help: 'h' };

type ValueFlag = (typeof VALUE_FLAGS)[number];
type Switch = (typeof SWITCHES)[number];
type Flag = ValueFlag | Switch;

/** The flags of a command line, as `parseArgs` reads them: a value flag's text, a switch's `true`. */
export type CliFlags = { [F in ValueFlag]?: string } & { [F in Switch]?: boolean };

type FlagOptions = { [F in ValueFlag]: { type: 'string'; short?: string } } & {
  [F in Switch]: { type: 'boolean'; short?: string };
};

const option = (flag: Flag, type: 'string' | 'boolean') => [
  flag,
  { type, ...(SHORT[flag] ? { short: SHORT[flag] } : {}) },
];

/** `parseArgs`'s options for every flag of every command. */
export const OPTIONS = Object.fromEntries([
  ...VALUE_FLAGS.map((flag) => option(flag, 'string')),
  ...SWITCHES.map((flag) => option(flag, 'boolean')),
]) as FlagOptions;
