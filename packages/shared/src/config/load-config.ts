import type { z } from 'zod';
import { ENV_DEFAULTS, REQUIRED_IN_PRODUCTION } from './env-schema.js';

/** One problem with one environment variable. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Thrown when the environment does not describe a usable configuration; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.variable}: ${issue.message}`);
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

type EnvSchema = z.ZodType<unknown, Record<string, string | undefined>>;

/**
 * Parses the environment once into a typed configuration. Empty variables count as unset; defaults serve a
 * local run, except that production (`CT_ENV=production`) must name every connection explicitly.
 * @throws ConfigError naming each missing or malformed variable.
 */
export function loadConfig<S extends EnvSchema>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const given = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
  const production = given.CT_ENV === 'production';
  const issues: ConfigIssue[] = [];
  if (production) {
    for (const variable of REQUIRED_IN_PRODUCTION) {
      if (!(variable in given)) issues.push({ variable, message: 'is required when CT_ENV=production' });
    }
  }
  const defaults = Object.fromEntries(
    Object.entries(ENV_DEFAULTS).filter(
      ([name]) => !(production && (REQUIRED_IN_PRODUCTION as readonly string[]).includes(name)),
    ),
  );
  const result = schema.safeParse({ ...defaults, ...given });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const variable = String(issue.path[0] ?? '(environment)');
      if (!issues.some((known) => known.variable === variable))
        issues.push({ variable, message: issue.message });
    }
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return result.data;
}

/** For a program's entry point: the configuration, or the list of problems on stderr and exit code 1. */
export function loadConfigOrExit<S extends EnvSchema>(
  schema: S,
  env: NodeJS.ProcessEnv,
  program: string,
): z.output<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${program}: ${error.message}\n`);
    process.exit(1);
  }
}
