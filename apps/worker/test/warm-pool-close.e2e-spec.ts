import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { waitFor } from '@ct/test-support';
import type { ColdReason, WarmPool } from '../src/process/warm-pool.js';
import { openPool, POOL_READY_MS } from './support/launcher-options.js';
import { groupGone, PIPELINE_PYTHON, processGone } from './support/processes.js';

const GRACE_MS = 10_000;
// Longer than the grace: a server that read no drain before its imports end would be waited for in full.
const IMPORT_STALL_S = 60;

// A `sitecustomize` that stalls the import of the first module the server preloads (`ct_pipeline.train`), after
// writing its pid to `marker`: once the marker exists, the server is inside its imports, not merely starting.
// Only the server imports that module; the parent-death launcher it starts under does not.
function stallingSiteCustomize(marker: string): string {
  return `import os, sys, time

class StallImport:
    def find_spec(self, name, path=None, target=None):
        if name == "ct_pipeline.train":
            with open(${JSON.stringify(`${marker}.tmp`)}, "w") as out:
                out.write(str(os.getpid()))
            os.rename(${JSON.stringify(`${marker}.tmp`)}, ${JSON.stringify(marker)})
            time.sleep(${IMPORT_STALL_S})
        return None

sys.meta_path.insert(0, StallImport())
`;
}

describe('the warm pool closed while its server is still importing (real Python processes)', () => {
  let dir: string;
  let marker: string;
  let starts: Array<[string, ColdReason | null]>;
  let sut: WarmPool;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ct-warm-pool-close-test-'));
    marker = join(dir, 'importing');
    await writeFile(join(dir, 'sitecustomize.py'), stallingSiteCustomize(marker));
    // The server's interpreter, with the stalling module on its path (exec keeps the pid).
    const python = join(dir, 'python');
    await writeFile(python, `#!/bin/sh\nPYTHONPATH='${dir}' exec '${PIPELINE_PYTHON}' "$@"\n`);
    await chmod(python, 0o755);
    starts = [];
    sut = openPool({ python }, { started: (start, reason) => starts.push([start, reason]) });
  });

  afterEach(async () => {
    await sut.close(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'kills it at once: close() ends well within its grace, the server is gone, no run was forked',
    async () => {
      const server = Number(
        await waitFor('the server to be importing', () => readFile(marker, 'utf8').catch(() => undefined), {
          timeoutMs: POOL_READY_MS,
        }),
      );
      expect(processGone(server)).toBe(false);
      expect(sut.readyPid).toBeNull();
      const request = { argv: ['-c', 'print("run")'], env: {}, cwd: dir };
      expect(await sut.start(request)).toBeNull();

      const closing = performance.now();
      await sut.close(GRACE_MS);
      const took = performance.now() - closing;

      // Draining it instead would wait the whole grace: it reads no drain until its imports end.
      expect(took).toBeLessThan(GRACE_MS / 5);
      expect(processGone(server)).toBe(true);
      expect(groupGone(server)).toBe(true);
      expect(await sut.start(request)).toBeNull();
      expect(starts).toEqual([
        ['cold', 'not_ready'],
        ['cold', 'shutdown'],
      ]);
    },
    POOL_READY_MS + 2 * GRACE_MS,
  );
});
