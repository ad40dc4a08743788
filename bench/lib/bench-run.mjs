// What every benchmark script shares: the built programs it needs, its command-line options, and a run that
// collects problems, undoes what it started (newest first, also on Ctrl-C) and exits non-zero on an error.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cleanups as newCleanups } from './measure.mjs';

/** Exits with a hint when one of `paths` (built apps, the pipeline's environment) is missing. */
export function needBuilt(paths) {
  for (const path of paths) {
    if (existsSync(path)) continue;
    console.error(`${path} is missing: pnpm exec turbo run build (and uv sync in pipeline/)`);
    process.exit(1);
  }
}

/**
 * The command line's options: `{name: {whole: default, min, max}}` are whole numbers checked against their
 * range, `{name: {text: default}}` strings, `{name: {flag: true}}` booleans. Exits with a message on a bad one.
 */
export function options(spec) {
  const parseSpec = {};
  for (const [name, o] of Object.entries(spec)) {
    if ('flag' in o) parseSpec[name] = { type: 'boolean', default: false };
    else {
      const fallback = o.whole ?? o.text;
      parseSpec[name] = { type: 'string', ...(fallback === undefined ? {} : { default: String(fallback) }) };
    }
  }
  const { values } = parseArgs({ options: parseSpec });
  const out = {};
  for (const [name, o] of Object.entries(spec)) {
    if (!('whole' in o)) {
      out[name] = values[name];
      continue;
    }
    const value = Number(values[name]);
    const [min, max] = [o.min ?? 0, o.max ?? Number.MAX_SAFE_INTEGER];
    if (!Number.isInteger(value) || value < min || value > max) {
      const range = o.max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
      console.error(`--${name} must be a whole number ${range}, not ${values[name]}`);
      process.exit(1);
    }
    out[name] = value;
  }
  return out;
}

/** A benchmark's `cleanups` (measure.mjs), the `problems` it found, and `main(run)` that ends the process. */
export function benchmark() {
  const cleanups = newCleanups();
  const problems = [];
  process.once('SIGINT', () => void cleanups.run().finally(() => process.exit(130)));
  const main = async (run) => {
    try {
      await run();
    } catch (error) {
      problems.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
    } finally {
      problems.push(...(await cleanups.run()));
    }
    if (problems.length > 0) {
      console.error(`\n${problems.length} error(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
      process.exit(1);
    }
    process.exit(0);
  };
  return { cleanups, problems, main };
}
