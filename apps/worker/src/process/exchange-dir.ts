import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OWNER_FILE } from './work-dir-sweep.js';

/**
 * The files one attempt of a score or monitor job exchanges with its child (the task, the window it reads,
 * the predictions it writes): a directory of the worker's, apart from the child's work dir, made before the
 * launch and removed after the worker has read the results. It lives in the work root with its owner's pid,
 * so that the work-dir sweep removes it too when its worker died without doing so.
 */
export class ExchangeDir {
  private constructor(readonly path: string) {}

  static async create(workRoot: string, jobId: string): Promise<ExchangeDir> {
    await mkdir(workRoot, { recursive: true, mode: 0o700 });
    // The job id first, as in work dirs: the sweep reads it from the name.
    const path = await mkdtemp(join(workRoot, `${jobId}-exchange-`));
    await writeFile(join(path, OWNER_FILE), String(process.pid), { mode: 0o600 });
    return new ExchangeDir(path);
  }

  file(name: string): string {
    return join(this.path, name);
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

/** The exchange dir the attempt made for a kind that exchanges files. */
export function exchangeOf(exchange: ExchangeDir | null): ExchangeDir {
  if (exchange === null) throw new Error('a score or monitor attempt has an exchange dir');
  return exchange;
}
