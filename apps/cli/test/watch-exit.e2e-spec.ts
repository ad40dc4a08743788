import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, startChild } from '@ct/test-support';
import { type FakeJobScript, JOB_ID, startFakeApi } from './fake-api.js';

const CLI_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
// Exit 13 is Node's "unsettled top-level await": the event loop ran dry while main.ts still awaited.
const UNSETTLED_TOP_LEVEL_AWAIT = 13;

/** Runs the built `ct watch` as a user would, against `apiUrl`. */
function watch(apiUrl: string) {
  return startChild(process.execPath, [CLI_MAIN, 'watch', JOB_ID], {
    PATH: process.env.PATH,
    CT_API_URL: apiUrl,
    CT_API_KEY: 'test-key',
  });
}

async function watchToEnd(script: FakeJobScript) {
  const api = await startFakeApi(script);
  try {
    const child = watch(api.url);
    const ended = await child.exited();
    return { ...ended, output: child.output(), reads: api.logReads() };
  } finally {
    await api.close();
  }
}

describe('ct watch, as a process, ends with its documented exit code on every path', () => {
  beforeAll(() => {
    // The test runs the built CLI (turbo builds it before testing); an old build would test old code.
    const built = statSync(CLI_MAIN).mtimeMs;
    for (const file of readdirSync(SRC, { recursive: true, encoding: 'utf8' }))
      if (file.endsWith('.ts') && !file.endsWith('.spec.ts') && statSync(SRC + file).mtimeMs > built)
        throw new Error(`src/${file} is newer than dist/main.js: run pnpm --filter @ct/cli build first`);
  });

  // A log read in flight when the event stream ends (logDelayMs > finalAfterMs) is what left the follower
  // sleeping on an unref'd timer: Node then exited 13 after the job had succeeded. Short reads put the stop
  // in a sleep instead; zero delays race the two.
  const timings = [
    { finalAfterMs: 20, logDelayMs: 250 },
    { finalAfterMs: 0, logDelayMs: 60 },
    { finalAfterMs: 150, logDelayMs: 0 },
    { finalAfterMs: 0, logDelayMs: 0 },
  ];
  const runs = [1, 2].flatMap(() => timings);

  it.each([
    ['succeeded', 0],
    ['failed', 1],
    ['cancelled', 1],
  ] as const)(
    'a job that %s: exit %i (never 13) whether the stop lands in a read or a sleep',
    async (finalState, expected) => {
      for (const timing of runs) {
        const { code, signal, output, reads } = await watchToEnd({ finalState, ...timing });
        expect(signal).toBeNull();
        if (code !== expected) {
          const why = code === UNSETTLED_TOP_LEVEL_AWAIT ? " (Node's unsettled top-level await)" : '';
          throw new Error(`exit ${code}${why}, expected ${expected}; ${JSON.stringify(timing)}:\n${output}`);
        }
        // The last read after the stop brings the last line, even when a read was in flight.
        expect(output).toContain('  | last line');
        expect(output).toContain(`job ${JOB_ID} ${finalState}`);
        expect(reads).toBeGreaterThanOrEqual(2);
      }
    },
    60_000,
  );

  it('Ctrl-C while a log read is in flight: stops watching, says how to resume, exit 130', async () => {
    const api = await startFakeApi({ finalState: null, finalAfterMs: 0, logDelayMs: 300 });
    try {
      const child = watch(api.url);
      await api.eventsOpened;
      child.process.kill('SIGINT');
      const { code, signal } = await child.exited();
      expect({ code, signal }).toEqual({ code: 130, signal: null });
      expect(child.output()).toContain(`stopped watching job ${JOB_ID} (running); ct watch ${JOB_ID}`);
      expect(child.output()).toContain('  | last line');
    } finally {
      await api.close();
    }
  });

  it('an API that cannot be reached: exit 3 with the reason', async () => {
    const child = watch(`http://127.0.0.1:${await freePort()}`);
    const { code } = await child.exited();
    expect(code).toBe(3);
    expect(child.output()).toMatch(/^ct: .*127\.0\.0\.1/m);
  });

  it('an API that goes away mid-watch, a log read in flight: exit 3, not a hang or 13', async () => {
    const api = await startFakeApi({ finalState: null, finalAfterMs: 0, logDelayMs: 200 });
    const child = watch(api.url);
    await api.eventsOpened;
    await api.close();
    const { code, signal } = await child.exited();
    expect({ code, signal }).toEqual({ code: 3, signal: null });
    expect(child.output()).toMatch(/^ct: .*127\.0\.0\.1/m);
  });
});
